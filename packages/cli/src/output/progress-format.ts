/**
 * Pure text helpers for the progress display. ASCII only and locale-independent, so a line
 * reads the same in any terminal, pipe or log file, and tests can assert it exactly.
 */

/** `1234567` as `1,234,567`; fractions are rounded (counts only). Not `toLocaleString`: the locale would change the output. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rounded < 0 ? `-${digits}` : digits;
}

/** `1 request`, `1,200 requests`: a count and its noun. */
export const plural = (n: number, word: string, words = `${word}s`): string =>
  `${formatNumber(n)} ${n === 1 ? word : words}`;

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A duration at the precision a person reads it at: `45s`, `1m12s`, `2h05m`, `3d04h`.
 * Rounded to the unit shown, so `59.6s` is `1m00s` rather than `60s`; negative is `0s`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad2(seconds % 60)}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`;
  // Beyond a day only a quota-bound run gets here: hours are precise enough.
  const hours = Math.round(minutes / 60);
  return `${Math.floor(hours / 24)}d${pad2(hours % 24)}h`;
}

/**
 * A bar of `width` cells between brackets: `[#####-----]`. A cell fills only once its share is
 * complete, so the bar is full only at 100%.
 */
export function formatBar(fraction: number, width: number): string {
  const cells = Math.max(0, Math.floor(width));
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.floor(clamped * cells + 1e-9);
  return `[${'#'.repeat(filled)}${'-'.repeat(cells - filled)}]`;
}

/** The text cut to `width` characters, ending in `...` when cut (a bare cut when too narrow for it). */
export function fitWidth(text: string, width: number): string {
  const max = Math.max(0, Math.floor(width));
  if (text.length <= max) return text;
  if (max <= 3) return text.slice(0, max);
  return `${text.slice(0, max - 3)}...`;
}

/**
 * A text from outside (a provider's error message, a task key) as one printable line: control
 * characters, newlines included, would break the layout, and escape sequences in a pipe or a
 * log are noise (or worse, in a terminal, commands).
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** `used/limit` with thousands separators, or just `used` when there is no limit. */
export function formatRatio(used: number, limit: number | undefined): string {
  return limit === undefined ? formatNumber(used) : `${formatNumber(used)}/${formatNumber(limit)}`;
}
