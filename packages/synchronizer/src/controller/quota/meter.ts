/**
 * Calls made per quota scope in the recent past, from the controller's own events: what the
 * quota gauges show for the rate windows (the day's count is in the ledger). One timestamp
 * per call, kept only as long as the longest window.
 */
export class QuotaMeter {
  readonly #calls = new Map<string, number[]>();
  readonly #keepMs: number;

  constructor(keepMs: number) {
    this.#keepMs = keepMs;
  }

  record(scope: string, at: number): void {
    let calls = this.#calls.get(scope);
    if (calls === undefined) this.#calls.set(scope, (calls = []));
    calls.push(at);
    // Pruned in bulk, so a call costs O(1) amortised however fast they come.
    if (calls.length > 1024 && (calls[0] ?? at) < at - this.#keepMs) this.#prune(calls, at);
  }

  /** Calls in the `windowMs` before `now`. */
  usedIn(scope: string, windowMs: number, now: number): number {
    const calls = this.#calls.get(scope);
    if (calls === undefined) return 0;
    this.#prune(calls, now);
    const from = now - windowMs;
    return calls.length - firstAtOrAfter(calls, from);
  }

  #prune(calls: number[], now: number): void {
    calls.splice(0, firstAtOrAfter(calls, now - this.#keepMs));
  }
}

/** The index of the first timestamp ≥ `at` in an ascending list. */
function firstAtOrAfter(sorted: readonly number[], at: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? 0) < at) low = middle + 1;
    else high = middle;
  }
  return low;
}
