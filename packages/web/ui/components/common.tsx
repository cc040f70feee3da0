import type { ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiFailure } from '../api.js';
import { fmtAbsolute, fmtInt, fmtPercent, fmtRelative } from '../format.js';
import { LiveContext } from '../live.js';

/** A status word with its colour: the class is chosen from a fixed list, the text is the value. */
const TONES: Record<string, string> = {
  never: 'muted',
  current: 'good',
  done: 'good',
  ok: 'good',
  stale: 'warn',
  behind: 'warn',
  pending: 'warn',
  waiting: 'muted',
  stopped: 'warn',
  dropped: 'warn',
  running: 'info',
  failed: 'bad',
  cancelled: 'bad',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  const tone = TONES[value] ?? 'muted';
  return (
    <span class={`badge badge-${tone}`} data-value={value}>
      {label ?? value}
    </span>
  );
}

/** A time as "3 min ago" with the absolute local time beside it. */
export function Time({ iso, empty = '—' }: { iso: string | undefined; empty?: string }) {
  const { now } = useContext(LiveContext);
  if (iso === undefined || iso === '') return <span class="muted">{empty}</span>;
  const absolute = fmtAbsolute(iso);
  return (
    <time class="time" dateTime={iso} title={iso}>
      <span class="time-rel">{fmtRelative(iso, now)}</span>
      <span class="time-abs">{absolute}</span>
    </time>
  );
}

export function Num({ value }: { value: number | undefined | null }) {
  return <span class="num">{fmtInt(value)}</span>;
}

export function ErrorBox({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiFailure ? error.code : 'E_UI';
  const message =
    error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : JSON.stringify(error);
  return (
    <div class="error" role="alert">
      <strong class="error-code">{code}</strong>
      <span class="error-message">{message}</span>
      {onClose && (
        <button type="button" class="link" onClick={onClose}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** A bar for done out of planned; without a plan it shows the count alone. */
export function Progress({
  done,
  total,
  tone = 'info',
  full = false,
  estimated = false,
}: {
  done: number;
  total: number | undefined;
  tone?: string;
  /** Finished: the bar is full whatever the counts (a source with nothing to fetch). */
  full?: boolean;
  /** The total is an estimate: shown as `~N`. */
  estimated?: boolean;
}) {
  const ratio = full ? 1 : total !== undefined && total > 0 ? Math.min(1, done / total) : 0;
  return (
    <div class="progress">
      <div
        class="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total ?? 0}
        aria-valuenow={done}
      >
        <div
          class={`progress-fill fill-${tone}`}
          style={{ width: `${(ratio * 100).toFixed(2)}%` }}
        />
      </div>
      <span class="progress-text num">
        {fmtInt(done)}
        {total !== undefined ? ` / ${estimated ? '~' : ''}${fmtInt(total)}` : ''}
        {total !== undefined ? <span class="muted"> {fmtPercent(done, total)}</span> : null}
      </span>
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      <div class="page-actions">{children}</div>
    </header>
  );
}

export function Loading() {
  return <div class="loading">Loading…</div>;
}
