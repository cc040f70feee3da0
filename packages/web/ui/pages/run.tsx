import { useContext, useState } from 'preact/hooks';
import type { RunSourceView, RunView } from '../../src/api/contract.js';
import { api } from '../api.js';
import {
  Badge,
  Empty,
  ErrorBox,
  Loading,
  Num,
  PageHeader,
  Progress,
  Time,
} from '../components/common.js';
import { fmtDuration, fmtInt } from '../format.js';
import { LiveContext } from '../live.js';
import { ledgerHref, tableHref } from '../router.js';

const TONE: Record<RunSourceView['status'], string> = {
  waiting: 'muted',
  running: 'info',
  done: 'good',
  stopped: 'warn',
  failed: 'bad',
  cancelled: 'bad',
};

export function RunPage() {
  const { run, now, starting } = useContext(LiveContext);
  const [error, setError] = useState<unknown>(undefined);
  const [cancelling, setCancelling] = useState(false);

  if (run === undefined && starting === undefined) return <Loading />;

  const cancel = async () => {
    setCancelling(true);
    setError(undefined);
    try {
      await api.cancel();
    } catch (failure) {
      setError(failure);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section class="page">
      <PageHeader title="Run">
        {starting === undefined && run?.status === 'running' && (
          <button
            type="button"
            class="danger"
            disabled={cancelling}
            onClick={() => void cancel()}
            data-action="cancel"
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </PageHeader>
      <ErrorBox error={error} onClose={() => setError(undefined)} />
      {starting !== undefined ? (
        <div class="loading" data-starting={starting}>
          Starting run <span class="mono">{starting}</span>…
        </div>
      ) : run === null || run === undefined ? (
        <Empty>
          No run on this server yet. Choose sources on the <a href="#/sources">Sources</a> page,
          then Plan and Start, or Sync.
        </Empty>
      ) : (
        <RunDetail run={run} now={now} />
      )}
    </section>
  );
}

function RunDetail({ run, now }: { run: RunView; now: number }) {
  const planned = run.sources.reduce((sum, s) => sum + (s.planned ?? 0), 0);
  const done = run.sources.reduce((sum, s) => sum + s.done, 0);
  const rows = run.sources.reduce((sum, s) => sum + s.rows, 0);
  const requests = run.sources.reduce((sum, s) => sum + s.requests, 0);
  const end = run.endedAt !== undefined ? Date.parse(run.endedAt) : now;
  const elapsed = end - Date.parse(run.startedAt);
  const allPlanned = run.sources.every((s) => s.planned !== undefined);
  const estimated = run.sources.some((s) => s.estimated === true);

  return (
    <div data-run={run.runId} data-status={run.status}>
      <div class="summary">
        <div class="stat">
          <span class="stat-label">Status</span>
          <span class="stat-value" data-testid="run-status">
            <Badge value={run.status} />
          </span>
        </div>
        <div class="stat">
          <span class="stat-label">Run</span>
          <a class="stat-value mono small" href={ledgerHref({ run: run.runId })}>
            {run.runId}
          </a>
        </div>
        <div class="stat">
          <span class="stat-label">Started</span>
          <span class="stat-value">
            <Time iso={run.startedAt} />
          </span>
        </div>
        <div class="stat">
          <span class="stat-label">{run.endedAt !== undefined ? 'Took' : 'Elapsed'}</span>
          <span class="stat-value num">{fmtDuration(elapsed)}</span>
        </div>
        {run.etaMs !== undefined && (
          <div class="stat">
            <span class="stat-label">ETA (slowest source)</span>
            <span class="stat-value num" data-testid="run-eta">
              {fmtDuration(run.etaMs)}
            </span>
          </div>
        )}
        <div class="stat">
          <span class="stat-label">Requests</span>
          <span class="stat-value num" data-testid="run-requests">
            {fmtInt(requests)}
          </span>
        </div>
        <div class="stat">
          <span class="stat-label">Rows</span>
          <span class="stat-value num" data-testid="run-rows">
            {fmtInt(rows)}
          </span>
        </div>
        <div class="stat grow">
          <span class="stat-label">Progress</span>
          <span class="stat-value">
            <Progress
              done={done}
              total={allPlanned ? planned : undefined}
              estimated={estimated}
              tone={TONE[run.status === 'running' ? 'running' : run.status]}
            />
          </span>
        </div>
      </div>
      {run.reason !== undefined && (
        <div class={`reason reason-${run.status}`} data-testid="run-reason">
          <strong>{run.reason.code}</strong> <span>{run.reason.message}</span>
          {run.resumeAfter !== undefined && (
            <span>
              {' '}
              Resumes after <Time iso={run.resumeAfter} />.
            </span>
          )}
        </div>
      )}
      <div class="table-wrap">
        <table class="grid" data-table="run">
          <thead>
            <tr>
              <th>Source</th>
              <th>Status</th>
              <th class="progress-col">Progress (done / planned)</th>
              <th class="r">Requests</th>
              <th class="r">Rows</th>
              <th class="r">Retries</th>
              <th class="r">Cool-downs</th>
              <th class="r">Dropped</th>
              <th class="r">ETA</th>
            </tr>
          </thead>
          <tbody>
            {run.sources.map((s) => (
              <SourceRow key={s.sourceId} source={s} ended={run.status !== 'running'} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SourceRow({ source: s, ended }: { source: RunSourceView; ended: boolean }) {
  // Not planned before it starts: the symbol list it fans out over is not stored yet, so its
  // requests are counted when it starts. An estimate (weekdays for open days) shows as `~N`
  // until then.
  const unplanned = s.status === 'waiting' && s.planned === undefined;
  return (
    <>
      <tr data-source={s.sourceId} data-status={s.status}>
        <td>
          <a class="mono" href={tableHref(s.sourceId)}>
            {s.sourceId}
          </a>
        </td>
        <td data-col="status">
          <Badge
            value={s.status}
            label={ended && s.status === 'waiting' ? 'not started' : undefined}
          />
        </td>
        <td data-col="progress">
          {unplanned ? (
            <span class="muted small">counted when it starts</span>
          ) : (
            <Progress
              done={s.done}
              total={s.planned}
              tone={TONE[s.status]}
              full={s.status === 'done'}
              estimated={s.estimated === true}
            />
          )}
        </td>
        <td class="r" data-col="requests">
          <Num value={s.requests} />
        </td>
        <td class="r" data-col="rows">
          <Num value={s.rows} />
        </td>
        <td class={`r${s.retries > 0 ? ' warn-text' : ''}`} data-col="retries">
          <Num value={s.retries} />
        </td>
        <td class={`r${s.coolDowns > 0 ? ' warn-text' : ''}`} data-col="coolDowns">
          <Num value={s.coolDowns} />
        </td>
        <td class={`r${s.dropped > 0 ? ' warn-text' : ''}`} data-col="dropped">
          <Num value={s.dropped} />
        </td>
        <td class="r" data-col="eta">
          {s.status === 'running' ? fmtDuration(s.etaMs) : <span class="muted">—</span>}
        </td>
      </tr>
      {s.reason !== undefined && (
        <tr class="reason-row" data-reason-for={s.sourceId}>
          <td />
          <td colSpan={8}>
            <strong class="mono">{s.reason.code}</strong> {s.reason.message}
          </td>
        </tr>
      )}
    </>
  );
}
