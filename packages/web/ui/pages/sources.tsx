import { useContext, useEffect, useState } from 'preact/hooks';
import type { SourceAudit, SourcePlan, SourceView, SyncRequest } from '../../src/api/contract.js';
import { api } from '../api.js';
import { Badge, Empty, ErrorBox, Loading, Num, PageHeader, Time } from '../components/common.js';
import { fmtDuration, fmtInt } from '../format.js';
import { LiveContext } from '../live.js';
import { navigate, tableHref } from '../router.js';
import { useApi } from '../use-api.js';

type Panel =
  | { readonly kind: 'plan'; readonly request: SyncRequest; readonly plan: readonly SourcePlan[] }
  | {
      readonly kind: 'audit';
      readonly ids: readonly string[];
      readonly audit: readonly SourceAudit[];
    };

/** The request body: the chosen sources (none: every unsynced one) and the date range, if set. */
const requestFor = (ids: readonly string[], since: string, until: string): SyncRequest => ({
  ...(ids.length > 0 ? { ids } : {}),
  ...(since !== '' ? { since } : {}),
  ...(until !== '' ? { until } : {}),
});

export function SourcesPage() {
  const live = useContext(LiveContext);
  const sources = useApi(() => api.sources(), [live.sourcesVersion]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [panel, setPanel] = useState<Panel | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const running = live.run?.status === 'running';

  // The stream's `sources` event carries the same list: show it at once.
  const list: readonly SourceView[] | undefined =
    live.sources !== undefined && live.sourcesVersion > 0 && sources.loading
      ? live.sources
      : sources.data;

  useEffect(() => {
    if (list === undefined) return;
    const ids = new Set(list.map((s) => s.id));
    setSelected((current) => {
      const kept = [...current].filter((id) => ids.has(id));
      return kept.length === current.size ? current : new Set(kept);
    });
  }, [list]);

  /** Runs one action at a time; its failure shows as the page's error. */
  const act = (name: string, work: () => Promise<void>): void => {
    setBusy(name);
    setError(undefined);
    work().then(
      () => setBusy(undefined),
      (failure: unknown) => {
        setError(failure);
        setBusy(undefined);
      },
    );
  };

  const ids = [...selected];
  const plan = () =>
    act('plan', async () => {
      const request = requestFor(ids, since, until);
      setPanel({ kind: 'plan', request, plan: await api.plan(request) });
    });
  const start = (request: SyncRequest) =>
    act('sync', async () => {
      const { runId } = await api.sync(request);
      live.expectRun(runId);
      setPanel(undefined);
      navigate('#/run');
    });
  const audit = () =>
    act('audit', async () => {
      setPanel({ kind: 'audit', ids, audit: await api.audit(requestFor(ids, since, until)) });
    });
  const backfill = (auditIds: readonly string[]) =>
    act('backfill', async () => {
      const result = await api.audit({ ...requestFor(auditIds, since, until), backfill: true });
      setPanel({ kind: 'audit', ids: auditIds, audit: result });
      sources.reload();
    });

  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = list !== undefined && list.length > 0 && selected.size === list.length;
  const toggleAll = () =>
    setSelected(allSelected || list === undefined ? new Set() : new Set(list.map((s) => s.id)));

  const scope = ids.length > 0 ? `${ids.length} selected` : 'every unsynced source';

  return (
    <section class="page">
      <PageHeader title="Sources">
        <span class="muted scope-note" data-testid="scope">
          Plan and audit: {scope}
        </span>
        <span class="group">
          <label
            class="inline range"
            title="Optional: the days to sync (YYYY-MM-DD); empty means each source's own range"
          >
            From
            <input
              type="date"
              value={since}
              max={until || undefined}
              onInput={(e) => setSince(e.currentTarget.value)}
              data-input="since"
            />
          </label>
          <label class="inline range">
            to
            <input
              type="date"
              value={until}
              min={since || undefined}
              onInput={(e) => setUntil(e.currentTarget.value)}
              data-input="until"
            />
          </label>
        </span>
        <span class="group">
          <button type="button" disabled={busy !== undefined} onClick={plan} data-action="plan">
            {busy === 'plan' ? 'Planning…' : 'Plan'}
          </button>
          <button
            type="button"
            disabled={busy !== undefined || running || ids.length === 0}
            onClick={() => start(requestFor(ids, since, until))}
            data-action="sync-selected"
            title={running ? 'A run is in progress' : undefined}
          >
            Sync selected
          </button>
          <button
            type="button"
            class="primary"
            disabled={busy !== undefined || running}
            onClick={() => start(requestFor([], since, until))}
            data-action="sync-unsynced"
            title={running ? 'A run is in progress' : undefined}
          >
            Sync all unsynced
          </button>
          <button type="button" disabled={busy !== undefined} onClick={audit} data-action="audit">
            {busy === 'audit' ? 'Auditing…' : 'Audit'}
          </button>
        </span>
      </PageHeader>
      <ErrorBox error={error} onClose={() => setError(undefined)} />
      {panel?.kind === 'plan' && (
        <PlanPanel
          plan={panel.plan}
          running={running}
          busy={busy === 'sync'}
          onStart={() => start(panel.request)}
          onClose={() => setPanel(undefined)}
        />
      )}
      {panel?.kind === 'audit' && (
        <AuditPanel
          audit={panel.audit}
          busy={busy === 'backfill'}
          onBackfill={() => backfill(panel.ids)}
          onClose={() => setPanel(undefined)}
        />
      )}
      <ErrorBox error={sources.error} />
      {list === undefined ? (
        sources.error === undefined && <Loading />
      ) : list.length === 0 ? (
        <Empty>No sources are configured.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="grid" data-table="sources">
            <thead>
              <tr>
                <th class="check">
                  <input
                    type="checkbox"
                    aria-label="Select every source"
                    checked={allSelected}
                    onChange={toggleAll}
                  />
                </th>
                <th>Source</th>
                <th>State</th>
                <th>Last sync</th>
                <th title="The last settled day: stored, and final at the provider">Settled</th>
                <th title="The days after it through the latest published one: asked again by every sync until they settle">
                  Unsettled
                </th>
                <th title="How far the stored table is behind what the provider has published">
                  Freshness
                </th>
                <th class="r">Rows</th>
                <th class="r">Pending</th>
                <th class="r">Failed</th>
                <th
                  class="r"
                  title="Requests dropped: their data is missing, and the settled day stays before the first one's day"
                >
                  Dropped
                </th>
                <th>Next run</th>
                <th class="r">Quota today</th>
              </tr>
            </thead>
            <tbody>
              {list.map((source) => (
                <tr
                  key={source.id}
                  data-source={source.id}
                  class={selected.has(source.id) ? 'selected' : undefined}
                >
                  <td class="check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${source.id}`}
                      checked={selected.has(source.id)}
                      onChange={() => toggle(source.id)}
                    />
                  </td>
                  <td class="source-cell">
                    <a href={tableHref(source.id)} class="mono" data-col="id">
                      {source.id}
                    </a>
                    {source.title !== undefined && <div class="sub">{source.title}</div>}
                  </td>
                  <td data-col="state">
                    <Badge value={source.state} />
                  </td>
                  <td data-col="lastSyncedAt">
                    <Time iso={source.lastSyncedAt} empty="never" />
                  </td>
                  <td data-col="settled" class="mono">
                    {source.settled ?? <span class="muted">—</span>}
                  </td>
                  <td data-col="unsettled" class="mono">
                    {source.unsettled === undefined ? (
                      <span class="muted">—</span>
                    ) : (
                      `${source.unsettled.start}..${source.unsettled.end}`
                    )}
                  </td>
                  <td data-col="freshness" class="nowrap">
                    <Freshness source={source} />
                  </td>
                  <td data-col="rows" class="r">
                    <Num value={source.rows} />
                  </td>
                  <td data-col="pending" class={`r${source.pendingTasks > 0 ? ' warn-text' : ''}`}>
                    <Num value={source.pendingTasks} />
                  </td>
                  <td data-col="failed" class={`r${source.failedTasks > 0 ? ' bad-text' : ''}`}>
                    <Num value={source.failedTasks} />
                  </td>
                  <td
                    data-col="dropped"
                    class={`r${source.dropped === undefined ? '' : ' bad-text'}`}
                    title={
                      source.dropped?.first === undefined
                        ? undefined
                        : `${source.dropped.first}..${source.dropped.last ?? source.dropped.first}`
                    }
                  >
                    <Num value={source.dropped?.tasks ?? 0} />
                  </td>
                  <td data-col="nextRunAt">
                    {source.nextRunAt !== undefined ? (
                      <Time iso={source.nextRunAt} />
                    ) : (
                      <span class="muted">{source.schedule ?? 'not scheduled'}</span>
                    )}
                    {source.freshness !== undefined && (
                      <div
                        class="sub"
                        data-field="maxAge"
                        title="Stale when the last sync is older than this"
                      >
                        max age {source.freshness}
                      </div>
                    )}
                  </td>
                  <td data-col="quota" class="r">
                    <Num value={source.quotaUsedToday} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * How far the stored table is behind the provider, in the words of `dsync status` (`current`,
 * `behind by 3 trading days`), with the latest day stored below it; a dash for a source
 * without a grid (a list, a calendar).
 */
function Freshness({ source }: { source: SourceView }) {
  const { behind, latestStored } = source;
  if (behind === undefined) return <span class="muted">—</span>;
  const expected = behind.latestExpected ?? behind.latestPublished;
  return (
    <>
      <span
        class={behind.count > 0 ? 'warn-text' : 'good-text'}
        data-field="behind"
        data-count={behind.count}
        title={`The provider has published through ${behind.latestPublished}; a current table holds ${expected}`}
      >
        {behind.text}
      </span>
      <div class="sub">
        stored to{' '}
        <span class="mono" data-field="latestStored">
          {latestStored ?? '—'}
        </span>
      </div>
    </>
  );
}

/** A plan's requests as counted: `~` an estimate, `?` not countable yet. */
const REQUESTS_SHOWN: Record<SourcePlan['count'], (n: number) => string> = {
  exact: fmtInt,
  estimate: (n) => `~${fmtInt(n)}`,
  unknown: () => '?',
};

function PlanPanel({
  plan,
  running,
  busy,
  onStart,
  onClose,
}: {
  plan: readonly SourcePlan[];
  running: boolean;
  busy: boolean;
  onStart: () => void;
  onClose: () => void;
}) {
  const requests = plan.reduce((sum, p) => sum + p.requests, 0);
  const eta = plan.reduce((sum, p) => sum + p.etaMs, 0);
  const days = plan.reduce((max, p) => Math.max(max, p.days), 0);
  // The controller says which counts are estimates (open days as weekdays until the calendar
  // is stored) and which it cannot make yet (a fan-out's keys): the run plans those again.
  const estimated = plan.some((p) => p.count === 'estimate');
  const total = estimated ? REQUESTS_SHOWN.estimate : REQUESTS_SHOWN.exact;
  const later = plan.filter((p) => p.count === 'unknown').length;
  const notes = plan.some((p) => p.note !== undefined);
  return (
    <div class="panel" role="region" aria-label="Plan" data-panel="plan">
      <div class="panel-head">
        <h2>Plan</h2>
        <span class="muted" data-testid="plan-summary">
          {plan.length === 0
            ? 'Nothing to sync: every source is current.'
            : `${total(requests)} requests over ${fmtInt(plan.length)} ${plan.length === 1 ? 'source' : 'sources'}, ${eta < 1000 ? 'under a second' : `about ${fmtDuration(eta)}`}${days > 1 ? `, ${fmtInt(days)} days of quota` : ''}${later > 0 ? `; ${fmtInt(later)} counted when what they read is stored` : ''}.`}
        </span>
        <div class="panel-actions">
          <button
            type="button"
            class="primary"
            disabled={busy || running || plan.length === 0}
            onClick={onStart}
            data-action="start"
            title={running ? 'A run is in progress' : undefined}
          >
            {busy ? 'Starting…' : 'Start'}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {plan.length > 0 && (
        <table class="grid compact" data-table="plan">
          <thead>
            <tr>
              <th>Source</th>
              <th>API</th>
              <th class="r">Requests</th>
              <th class="r">ETA</th>
              <th class="r">Days</th>
              {notes && <th>Note</th>}
            </tr>
          </thead>
          <tbody>
            {plan.map((p) => (
              <tr key={p.sourceId} data-source={p.sourceId} data-count={p.count}>
                <td class="mono">{p.sourceId}</td>
                <td class="mono muted">{p.api}</td>
                <td class="r num" data-col="requests">
                  {REQUESTS_SHOWN[p.count](p.requests)}
                </td>
                <td class="r" data-col="eta" data-ms={p.etaMs}>
                  {p.count === 'unknown' ? '?' : fmtDuration(p.etaMs)}
                </td>
                <td class="r num" data-col="days">
                  {p.count === 'unknown' ? '?' : fmtInt(p.days)}
                </td>
                {notes && (
                  <td class="muted small" data-col="note">
                    {p.note ?? ''}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={2}>Total</th>
              <th class="r num" data-col="requests">
                {total(requests)}
              </th>
              <th class="r">{fmtDuration(eta)}</th>
              <th class="r num">{fmtInt(days)}</th>
              {notes && <th />}
            </tr>
          </tfoot>
        </table>
      )}
      {estimated && (
        <p class="panel-foot muted small" data-testid="plan-footnote">
          ~ estimated: open days are counted as weekdays until the calendar is stored (a sync stores
          it first).
        </p>
      )}
    </div>
  );
}

function AuditPanel({
  audit,
  busy,
  onBackfill,
  onClose,
}: {
  audit: readonly SourceAudit[];
  busy: boolean;
  onBackfill: () => void;
  onClose: () => void;
}) {
  const missing = audit.reduce((sum, a) => sum + a.missing, 0);
  const queued = audit.reduce((sum, a) => sum + (a.queued ?? 0), 0);
  const backfilled = audit.some((a) => a.queued !== undefined);
  return (
    <div class="panel" role="region" aria-label="Audit" data-panel="audit">
      <div class="panel-head">
        <h2>Audit</h2>
        <span class="muted">
          {audit.length === 0
            ? 'No source says what a complete table holds: nothing to audit.'
            : missing === 0
              ? 'Every expected row is stored.'
              : `${fmtInt(missing)} expected cells missing.`}
          {backfilled && ` ${fmtInt(queued)} requests queued: the next sync fetches them.`}
        </span>
        <div class="panel-actions">
          <button
            type="button"
            class="primary"
            disabled={busy || missing === 0}
            onClick={onBackfill}
            data-action="backfill"
          >
            {busy ? 'Queueing…' : 'Queue backfill'}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {audit.length > 0 && (
        <table class="grid compact" data-table="audit">
          <thead>
            <tr>
              <th>Source</th>
              <th>Range</th>
              <th class="r">Expected</th>
              <th class="r">Stored</th>
              <th class="r">Missing</th>
              <th>First holes</th>
              {backfilled && <th class="r">Queued</th>}
            </tr>
          </thead>
          <tbody>
            {audit.map((a) => (
              <tr key={a.sourceId} data-source={a.sourceId}>
                <td class="mono">{a.sourceId}</td>
                <td class="mono">
                  {a.range === undefined ? '—' : `${a.range.start} → ${a.range.end}`}
                </td>
                <td class="r num" data-col="expected">
                  {fmtInt(a.expected)}
                </td>
                <td class="r num" data-col="stored">
                  {fmtInt(a.stored)}
                </td>
                <td class={`r num${a.missing > 0 ? ' bad-text' : ''}`} data-col="missing">
                  {fmtInt(a.missing)}
                </td>
                <td class="mono small">
                  {a.holes.length === 0
                    ? '—'
                    : a.holes
                        .slice(0, 3)
                        .map((h) => `${h.date} (${fmtInt(h.missing)})`)
                        .join(', ') +
                      (a.holes.length > 3 ? ` … ${fmtInt(a.holes.length)} in all` : '')}
                </td>
                {backfilled && (
                  <td class="r num" data-col="queued">
                    {fmtInt(a.queued ?? 0)}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
