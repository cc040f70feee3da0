import { useContext, useEffect, useState } from 'preact/hooks';
import type { RunRecord, TaskStatus } from '../../src/api/contract.js';
import { api } from '../api.js';
import { Badge, Empty, ErrorBox, Loading, Num, PageHeader, Time } from '../components/common.js';
import { fmtDuration, fmtInt } from '../format.js';
import { LiveContext } from '../live.js';
import { ledgerHref, navigate } from '../router.js';
import { useApi } from '../use-api.js';

const STATUSES: readonly TaskStatus[] = ['pending', 'running', 'done', 'dropped', 'failed'];
const TASK_PAGE = 100;

export function LedgerPage({ route }: { route: { readonly params: URLSearchParams } }) {
  const live = useContext(LiveContext);
  const run = route.params.get('run') ?? '';
  const source = route.params.get('source') ?? '';
  const status = (route.params.get('status') ?? '') as TaskStatus | '';
  const liveKey = `${live.run?.runId ?? ''}:${live.run?.status ?? ''}:${live.sourcesVersion}`;

  const [limit, setLimit] = useState(TASK_PAGE);
  useEffect(() => setLimit(TASK_PAGE), [run, source, status]);
  const runs = useApi(() => api.runs(50), [liveKey]);
  const sources = useApi(() => api.sources(), [live.sourcesVersion]);
  const tasks = useApi(
    () => api.tasks({ run, source, status, limit }),
    [run, source, status, limit, liveKey],
  );

  const setFilter = (name: string, value: string) =>
    navigate(ledgerHref({ run, source, status, [name]: value }));

  return (
    <section class="page">
      <PageHeader title="Ledger" />
      <h2 class="section-title">Runs</h2>
      <ErrorBox error={runs.error} />
      {runs.data === undefined ? (
        runs.error === undefined && <Loading />
      ) : runs.data.length === 0 ? (
        <Empty>No runs recorded yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="grid" data-table="runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Sources</th>
                <th>Started</th>
                <th class="r">Took</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <RunRow key={r.id} run={r} selected={r.id === run} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 class="section-title">Tasks</h2>
      <div class="filters">
        <label>
          Run
          <select
            value={run}
            onChange={(e) => setFilter('run', e.currentTarget.value)}
            data-filter="run"
          >
            <option value="">any run</option>
            {run !== '' && !(runs.data ?? []).some((r) => r.id === run) && (
              <option value={run}>{run}</option>
            )}
            {(runs.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select
            value={source}
            onChange={(e) => setFilter('source', e.currentTarget.value)}
            data-filter="source"
          >
            <option value="">any source</option>
            {(sources.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            value={status}
            onChange={(e) => setFilter('status', e.currentTarget.value)}
            data-filter="status"
          >
            <option value="">any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {(run !== '' || source !== '' || status !== '') && (
          <button type="button" class="link" onClick={() => navigate('#/ledger')}>
            Clear filters
          </button>
        )}
        <span class="muted filters-count">
          {tasks.data !== undefined &&
            (tasks.data.length >= limit
              ? `latest ${fmtInt(tasks.data.length)} tasks`
              : `${fmtInt(tasks.data.length)} ${tasks.data.length === 1 ? 'task' : 'tasks'}`)}
        </span>
      </div>
      <ErrorBox error={tasks.error} />
      {tasks.data === undefined ? (
        tasks.error === undefined && <Loading />
      ) : tasks.data.length === 0 ? (
        <Empty>No tasks match.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="grid" data-table="tasks">
            <thead>
              <tr>
                <th>Source</th>
                <th>Request</th>
                <th>Status</th>
                <th class="r">Attempts</th>
                <th class="r">Rows</th>
                <th>Reason</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((t) => (
                <tr key={`${t.sourceId}\u0000${t.key}`} data-status={t.status}>
                  <td class="mono">{t.sourceId}</td>
                  <td class="mono small key-cell" title={t.key}>
                    {t.key}
                  </td>
                  <td>
                    <Badge value={t.status} />
                  </td>
                  <td class="r">
                    <Num value={t.attempts} />
                  </td>
                  <td class="r">
                    <Num value={t.rows} />
                  </td>
                  <td class="reason-cell">
                    {t.lastError !== undefined ? (
                      <>
                        <strong class="mono">{t.lastError.code}</strong> {t.lastError.message}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td>
                    <Time iso={t.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tasks.data !== undefined && tasks.data.length >= limit && (
        <div class="more">
          <button
            type="button"
            disabled={tasks.loading}
            onClick={() => setLimit((l) => l + TASK_PAGE)}
            data-action="more-tasks"
          >
            {tasks.loading ? 'Loading…' : `Show ${fmtInt(TASK_PAGE)} more`}
          </button>
        </div>
      )}
    </section>
  );
}

function RunRow({ run, selected }: { run: RunRecord; selected: boolean }) {
  const took =
    run.endedAt !== undefined ? Date.parse(run.endedAt) - Date.parse(run.startedAt) : undefined;
  return (
    <tr data-run={run.id} data-status={run.status} class={selected ? 'selected' : undefined}>
      <td>
        <a class="mono small" href={ledgerHref({ run: run.id })}>
          {run.id}
        </a>
      </td>
      <td>
        <Badge value={run.status} />
      </td>
      <td class="small">
        {run.sourceIds.length <= 3
          ? run.sourceIds.join(', ')
          : `${run.sourceIds.slice(0, 3).join(', ')} +${run.sourceIds.length - 3}`}
      </td>
      <td>
        <Time iso={run.startedAt} />
      </td>
      <td class="r num">{took === undefined ? '—' : fmtDuration(took)}</td>
      <td class="reason-cell">
        {run.reason !== undefined ? (
          <>
            <strong class="mono">{run.reason.code}</strong> {run.reason.message}
          </>
        ) : (
          <span class="muted">—</span>
        )}
        {run.resumeAfter !== undefined && (
          <div class="sub">
            resumes after <Time iso={run.resumeAfter} />
          </div>
        )}
      </td>
    </tr>
  );
}
