/** What a replica did with each request, for tests and benchmarks to read. */
export type RequestOutcome = 'served' | 'throttled' | 'rejected' | 'faulted';

export interface CounterSet {
  served: number;
  /** Answered with a rate or quota limit error. */
  throttled: number;
  /** Answered with any other error (auth, permission, bad argument, unknown interface). */
  rejected: number;
  /** Given an injected fault. */
  faulted: number;
}

export interface CountersSnapshot {
  readonly total: CounterSet;
  /** By account label (never the token itself). */
  readonly byAccount: Readonly<Record<string, CounterSet>>;
  /** By interface: Tushare `api_name`, NDL `datasets/{db}/{code}` or `datatables/{vendor}/{table}`. */
  readonly byApi: Readonly<Record<string, CounterSet>>;
}

const empty = (): CounterSet => ({ served: 0, throttled: 0, rejected: 0, faulted: 0 });

export class Counters {
  #total = empty();
  #byAccount = new Map<string, CounterSet>();
  #byApi = new Map<string, CounterSet>();

  record(outcome: RequestOutcome, account: string, api: string): void {
    this.#total[outcome]++;
    for (const [map, key] of [
      [this.#byAccount, account],
      [this.#byApi, api],
    ] as const) {
      let set = map.get(key);
      if (set === undefined) map.set(key, (set = empty()));
      set[outcome]++;
    }
  }

  snapshot(): CountersSnapshot {
    const copy = (map: Map<string, CounterSet>) =>
      Object.fromEntries([...map].map(([k, v]) => [k, { ...v }]));
    return {
      total: { ...this.#total },
      byAccount: copy(this.#byAccount),
      byApi: copy(this.#byApi),
    };
  }

  reset(): void {
    this.#total = empty();
    this.#byAccount.clear();
    this.#byApi.clear();
  }
}
