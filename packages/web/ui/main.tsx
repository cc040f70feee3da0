import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LiveContext, useLiveState } from './live.js';
import { LedgerPage } from './pages/ledger.js';
import { QuotaPage } from './pages/quota.js';
import { RunPage } from './pages/run.js';
import { SourcesPage } from './pages/sources.js';
import { TablePage } from './pages/table.js';
import { navigate, parseHash, type Route } from './router.js';

const NAV: readonly {
  readonly page: Route['page'];
  readonly label: string;
  readonly href: string;
}[] = [
  { page: 'sources', label: 'Sources', href: '#/sources' },
  { page: 'run', label: 'Run', href: '#/run' },
  { page: 'ledger', label: 'Ledger', href: '#/ledger' },
  { page: 'quota', label: 'Quota', href: '#/quota' },
  { page: 'table', label: 'Table preview', href: '#/table' },
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function App() {
  const live = useLiveState();
  const route = useRoute();
  const running = live.run?.status === 'running';
  const progress = live.run?.sources.reduce(
    (sum, s) => ({ done: sum.done + s.done, planned: sum.planned + (s.planned ?? 0) }),
    { done: 0, planned: 0 },
  );
  const label = NAV.find((item) => item.page === route.page)?.label ?? 'dsync';
  useEffect(() => {
    const share =
      running && progress !== undefined && progress.planned > 0
        ? `${Math.floor((progress.done / progress.planned) * 100)}% · `
        : '';
    document.title = `${share}${label} · dsync`;
  }, [running, progress?.done, progress?.planned, label]);
  const streamLabel =
    live.stream === 'open' ? 'live' : live.stream === 'connecting' ? 'connecting…' : 'offline';

  return (
    <LiveContext.Provider value={live}>
      <nav class="nav">
        <a class="brand" href="#/sources">
          dsync
        </a>
        <ul class="nav-links">
          {NAV.map((item) => (
            <li key={item.page}>
              <a
                href={item.href}
                class={route.page === item.page ? 'active' : undefined}
                aria-current={route.page === item.page ? 'page' : undefined}
                data-nav={item.page}
              >
                {item.label}
                {item.page === 'run' && running ? <span class="dot dot-running" /> : null}
              </a>
            </li>
          ))}
        </ul>
        <span class={`stream stream-${live.stream}`} data-stream={live.stream}>
          <span class="dot" />
          {streamLabel}
        </span>
      </nav>
      <main class="main" data-page={route.page}>
        {route.page === 'sources' && <SourcesPage />}
        {route.page === 'run' && <RunPage />}
        {route.page === 'ledger' && <LedgerPage route={route} />}
        {route.page === 'quota' && <QuotaPage />}
        {route.page === 'table' && <TablePage key={route.id ?? ''} sourceId={route.id} />}
      </main>
    </LiveContext.Provider>
  );
}

if (location.hash === '') navigate('#/sources', true);
const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
