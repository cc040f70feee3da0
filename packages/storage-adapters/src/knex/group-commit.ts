/**
 * Group commit: writes that arrive while one is running wait and go together in the next
 * transaction. One transaction per turn instead of one per write: on SQLite, where one
 * connection serves every writer, the Knex and transaction overhead of each write is most
 * of its cost. A group closes at the end of the event loop's turn, so nothing waits for a timer.
 *
 * If a group fails, its writes are retried one by one, so each caller gets its own outcome
 * (one refused batch does not fail the others).
 */
interface Entry<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  readonly #flush: (items: readonly T[]) => Promise<readonly R[]>;
  readonly #maxItems: number;
  #queue: Entry<T, R>[] = [];
  #draining = false;

  /** `flush` writes the items in one transaction and returns one result per item, in order. */
  constructor(flush: (items: readonly T[]) => Promise<readonly R[]>, maxItems = 256) {
    this.#flush = flush;
    this.#maxItems = maxItems;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        // After the I/O callbacks of this turn of the event loop: the writes they bring join this group.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.#maxItems);
      try {
        const results = await this.#flush(group.map((g) => g.item));
        group.forEach((g, i) => g.resolve(results[i] as R));
      } catch (error) {
        if (group.length === 1) (group[0] as Entry<T, R>).reject(error);
        else for (const g of group) await this.#alone(g);
      }
    }
    this.#draining = false;
  }

  async #alone(entry: Entry<T, R>): Promise<void> {
    try {
      const [result] = await this.#flush([entry.item]);
      entry.resolve(result as R);
    } catch (error) {
      entry.reject(error);
    }
  }
}
