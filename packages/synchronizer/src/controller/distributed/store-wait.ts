import type { LedgerError } from '@dsync/datasource';
import type { ControllerContext } from '../context.js';

/** How long a run's settled sources wait with no batch of theirs stored: 10 minutes. */
export const DEFAULT_STORE_TIMEOUT_MS = 600_000;

/**
 * Watches the sources of a followed run whose tasks are settled but whose batches still wait
 * in the queue: tells `batches-waiting` when the count or the consumers change, and says when
 * none was stored for `timeoutMs`. Timed on the process's monotonic clock: a real wait for a
 * worker, not a provider's day.
 */
export class StoreWait {
  readonly #ctx: ControllerContext;
  readonly #runId: string;
  readonly #timeoutMs: number;
  #since: number | undefined;
  #batches = Number.POSITIVE_INFINITY;
  #ids = new Set<string>();
  #told = '';
  #queue: { name: string; consumers: number } | undefined;

  constructor(ctx: ControllerContext, runId: string, timeoutMs: number) {
    this.#ctx = ctx;
    this.#runId = runId;
    this.#timeoutMs = timeoutMs;
  }

  /** One look at the sources waiting (id → batches not stored); true once the wait timed out. */
  async look(awaiting: ReadonlyMap<string, number>): Promise<boolean> {
    const batches = [...awaiting.values()].reduce((sum, n) => sum + n, 0);
    const now = performance.now();
    // A batch stored, or a source just come to wait: the wait starts over.
    const newcomer = [...awaiting.keys()].some((id) => !this.#ids.has(id));
    if (this.#since === undefined || batches < this.#batches || newcomer) this.#since = now;
    this.#batches = batches;
    this.#ids = new Set(awaiting.keys());
    // A queue out of reach does not end the wait: the count in the ledger is what counts.
    const backlog = await this.#ctx.storage.sink.backlog?.().catch(() => undefined);
    this.#queue =
      backlog === undefined ? undefined : { name: backlog.queue, consumers: backlog.consumers };
    const sources = [...awaiting].map(([sourceId, n]) => ({ sourceId, batches: n }));
    const told = JSON.stringify([sources, backlog?.consumers]);
    if (told !== this.#told) {
      this.#told = told;
      this.#ctx.events.emit({
        type: 'batches-waiting',
        runId: this.#runId,
        sources,
        batches,
        ...(backlog === undefined ? {} : { queue: backlog.queue, consumers: backlog.consumers }),
      });
    }
    return now - this.#since >= this.#timeoutMs;
  }

  /** Why a source ends with its batches unstored: its cursor stays, the next sync moves it. */
  reason(sourceId: string, batches: number): LedgerError {
    const minutes = Math.round(this.#timeoutMs / 60_000);
    const waited = minutes >= 1 ? `${minutes} min` : `${Math.round(this.#timeoutMs / 1000)} s`;
    const where = this.#queue === undefined ? 'the queue' : this.#queue.name;
    const nobody = this.#queue?.consumers === 0 ? ', no storing worker connected' : '';
    return {
      code: 'E_NOT_STORED',
      message:
        `${batches} ${batches === 1 ? 'batch' : 'batches'} of ${sourceId} fetched but not stored ` +
        `after ${waited} (waiting in ${where}${nobody}): its cursor stays; once they are ` +
        `stored, the next sync moves it.`,
    };
  }
}
