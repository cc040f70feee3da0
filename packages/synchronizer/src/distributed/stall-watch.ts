import type { DataSource } from '@dsync/datasource';

/**
 * Tells `onStall` when a task's first call has not left after `afterMs` (the job expiration):
 * by then even the calls of a worker that crashed holding every slot have expired, so every
 * slot is taken by live calls or Redis answers slowly.
 */
export class StallWatch {
  readonly #afterMs: number;
  readonly #scopeOf: (source: DataSource) => string;
  readonly #onStall: ((message: string) => void) | undefined;
  /** Per task waiting for its first call: the timer that says it stalled. */
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    afterMs: number,
    scopeOf: (source: DataSource) => string,
    onStall: ((message: string) => void) | undefined,
  ) {
    this.#afterMs = afterMs;
    this.#scopeOf = scopeOf;
    this.#onStall = onStall;
  }

  /** Starts watching a task; returns its id for `clear`. */
  watch(source: DataSource, key: string): string {
    const id = StallWatch.idOf(source.id, key);
    const onStall = this.#onStall;
    if (onStall === undefined) return id;
    const scope = this.#scopeOf(source);
    const seconds = Math.round(this.#afterMs / 1000);
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      onStall(
        `a task of ${source.id} has waited ${seconds} s for the limits of ${scope}: longer than ` +
          `a crashed worker's calls can hold them (${seconds} s), so every slot is taken by live ` +
          `calls or Redis answers slowly; check the other workers' logs and Redis`,
      );
    }, this.#afterMs);
    timer.unref();
    this.#timers.set(id, timer);
    return id;
  }

  /** The task's call left, or its handling ended: no longer waiting. */
  clear(id: string): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  static idOf(sourceId: string, key: string): string {
    return `${sourceId}\u0000${key}`;
  }
}
