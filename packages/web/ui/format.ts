/** How numbers, durations and times read in the UI: one place, one style. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** `1,234,567`; a dash for a value the server left out. */
export const fmtInt = (value: number | undefined | null): string =>
  value === undefined || value === null || !Number.isFinite(value) ? '—' : integer.format(value);

export const fmtDecimal = (value: number): string => decimal.format(value);

export const fmtPercent = (part: number, whole: number): string =>
  whole > 0 ? `${Math.floor((part / whole) * 100)}%` : '—';

/** `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`. */
export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms > 0 && ms < 1000) return '< 1 s';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60)
    return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** A window length: `1 min`, `1 h`, `1 s`. */
export function fmtWindow(ms: number): string {
  if (ms % 86_400_000 === 0) return ms === 86_400_000 ? 'day' : `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} min`;
  if (ms % 1000 === 0) return ms === 1000 ? 'second' : `${ms / 1000} s`;
  return `${ms} ms`;
}

/** `3 min ago`, `in 2 h`, `just now`. */
export function fmtRelative(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const delta = at - now;
  if (Math.abs(delta) < 5000) return 'just now';
  const text = fmtDuration(Math.abs(delta))
    .replace(/ \d+ (s|min|h)$/, '')
    .replace(/^(\d+) s$/, '$1 s');
  return delta < 0 ? `${text} ago` : `in ${text}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local time as `2026-11-26 14:05:09`. */
export function fmtAbsolute(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** A stored value as plain text: exactly what the database holds. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}
