import type { TaskDelivery } from '@dsync/datasource';
import type { LedgerWrites } from './delivery-ports.js';

/** A delivery in hand: its own abort and what became of it. */
export interface Held {
  readonly delivery: TaskDelivery;
  /** Aborted by the worker's stop or by the loss of the delivery's channel. */
  readonly signal: AbortSignal;
  readonly ledger: LedgerWrites;
}

export interface HeldDeliveriesOptions {
  /** The worker's stop: it cuts off every delivery in hand. */
  readonly stop: AbortSignal;
  /** Told once per delivery that goes back to the queue. */
  readonly onHandBack: () => void;
  /** Told once for all the deliveries one channel's death took (they are cut off). */
  readonly onLost?: (tasks: number, reason: Error) => void;
}

/**
 * The deliveries a fetch worker holds. Each has an abort of its own, fired by the worker's
 * stop or by the loss of the channel it came on (`TaskDelivery.lost`: the broker hands it out
 * again, so working on would only race its next taker), and is counted once when it goes back
 * to the queue, whatever sends it back (a limit, the stop, the loss).
 */
export class HeldDeliveries {
  readonly #options: HeldDeliveriesOptions;
  readonly #held = new Map<TaskDelivery, Held & { handedBack: boolean }>();
  /** Lost deliveries not yet told: a channel's death takes them all in the same turn. */
  #lost: { tasks: number; reason: Error } | undefined;

  constructor(options: HeldDeliveriesOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Holds `delivery` until the returned release is called (its handling ended). */
  take(delivery: TaskDelivery): { readonly held: Held; readonly release: () => void } {
    const abort = new AbortController();
    const held = {
      delivery,
      signal: abort.signal,
      ledger: { settledElsewhere: false },
      handedBack: false,
    };
    this.#held.set(delivery, held);
    const { stop } = this.#options;
    const stopping = (): void => abort.abort(stop.reason);
    const { lost } = delivery;
    const onLost = (): void => {
      this.handBack(held);
      // A stop closes the channel itself: what it hands back, it tells.
      if (!stop.aborted) this.#tellLost(lost?.reason);
      abort.abort(lost?.reason);
    };
    if (stop.aborted) stopping();
    else stop.addEventListener('abort', stopping, { once: true });
    if (lost?.aborted === true) onLost();
    else lost?.addEventListener('abort', onLost, { once: true });
    return {
      held,
      release: () => {
        this.#held.delete(delivery);
        stop.removeEventListener('abort', stopping);
        lost?.removeEventListener('abort', onLost);
      },
    };
  }

  /** Counts a delivery that goes back to the queue, once. */
  handBack(held: Held): void {
    const entry = this.#held.get(held.delivery);
    if (entry === undefined || entry.handedBack) return;
    entry.handedBack = true;
    this.#options.onHandBack();
  }

  /** Hands back every delivery still held (a stop that cannot wait for them any longer). */
  handBackAll(): void {
    for (const held of this.#held.values()) {
      this.handBack(held);
      void held.delivery.requeue();
    }
  }

  #tellLost(reason: unknown): void {
    if (this.#lost !== undefined) {
      this.#lost.tasks++;
      return;
    }
    this.#lost = {
      tasks: 1,
      reason: reason instanceof Error ? reason : new Error('the channel closed'),
    };
    setImmediate(() => {
      const lost = this.#lost;
      this.#lost = undefined;
      if (lost !== undefined) this.#options.onLost?.(lost.tasks, lost.reason);
    });
  }
}
