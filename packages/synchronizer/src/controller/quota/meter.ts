import { sortedIndex } from '@dsync/datasource';

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
    return calls.length - sortedIndex(calls, from);
  }

  #prune(calls: number[], now: number): void {
    calls.splice(0, sortedIndex(calls, now - this.#keepMs));
  }
}
