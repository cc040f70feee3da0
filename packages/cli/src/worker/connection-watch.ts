import { redactText } from '@dsync/datasource';
import type { Logger } from '../output/logger.js';

/** A connection that tells its loss and its return (the queue, the sink, the consumer, Redis). */
export interface Watchable {
  on(event: 'disconnected', listener: (error: Error) => void): () => void;
  on(event: 'reconnected', listener: () => void): () => void;
}

/** One connection as the worker last heard of it. */
export interface ConnectionState {
  /** What it is for: `task queue`, `batch sink`, `redis limits`, `run events`, `batch queue`. */
  readonly name: string;
  /** Where it goes, without credentials. */
  readonly where: string;
  readonly up: boolean;
  /** When it went down (ms since the epoch), while down. */
  readonly downSince?: number;
  /** Why it went down, while down (secrets hidden). */
  readonly reason?: string;
  /** Losses since the worker started. */
  readonly outages: number;
}

export interface ConnectionWatchOptions {
  readonly worker: string;
  readonly logger: Logger;
  /** The worker's output: a line per loss and per return. */
  readonly out: (line: string) => void;
  /** Hidden from reasons (the logger hides them too). */
  readonly secrets: readonly string[];
  /** How often a lost connection that waits to be used is tried again (`probe`). @default 5000 */
  readonly probeEveryMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Watched {
  state: ConnectionState;
  readonly unsubscribe: (() => void)[];
  probe?: NodeJS.Timeout;
}

/**
 * The worker's connections: each loss is logged at warn and each return at info (with how
 * long it was down), and printed; the states feed /healthz and the metrics. A connection that
 * reconnects only when used (the batch sink) is probed while down, so a worker with nothing
 * to send still comes back and says so.
 */
export class ConnectionWatch {
  readonly #options: ConnectionWatchOptions;
  readonly #watched = new Map<string, Watched>();
  readonly #clock: () => number;

  constructor(options: ConnectionWatchOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Watches `source`, connected now; `probe` reconnects it when it waits to be used. */
  watch(name: string, where: string, source: Watchable, probe?: () => Promise<unknown>): void {
    const watched: Watched = {
      state: { name, where, up: true, outages: 0 },
      unsubscribe: [],
    };
    this.#watched.set(name, watched);
    watched.unsubscribe.push(
      source.on('disconnected', (error) => this.#lost(watched, error, probe)),
      source.on('reconnected', () => this.#back(watched)),
    );
  }

  states(): readonly ConnectionState[] {
    return [...this.#watched.values()].map((w) => w.state);
  }

  /** The connections down now. */
  down(): readonly ConnectionState[] {
    return this.states().filter((s) => !s.up);
  }

  /** Stops listening (the worker closes its connections on purpose). */
  close(): void {
    for (const watched of this.#watched.values()) {
      clearInterval(watched.probe);
      for (const unsubscribe of watched.unsubscribe) unsubscribe();
    }
  }

  #lost(watched: Watched, error: Error, probe: (() => Promise<unknown>) | undefined): void {
    const { worker, logger, out, secrets } = this.#options;
    const { name, where, outages } = watched.state;
    const reason = redactText(error.message, ...secrets);
    watched.state = {
      name,
      where,
      up: false,
      downSince: this.#clock(),
      reason,
      outages: outages + 1,
    };
    logger.warn({ worker, connection: name, at: where, reason }, `${name} connection lost`);
    out(`${name} connection lost (${where}): ${reason}; reconnecting`);
    if (probe !== undefined && watched.probe === undefined) {
      watched.probe = setInterval(
        () => void probe().catch(() => undefined),
        this.#options.probeEveryMs ?? 5_000,
      );
      watched.probe.unref();
    }
  }

  #back(watched: Watched): void {
    const { worker, logger, out } = this.#options;
    clearInterval(watched.probe);
    watched.probe = undefined;
    const { name, where, outages, downSince } = watched.state;
    const downMs = downSince === undefined ? 0 : this.#clock() - downSince;
    watched.state = { name, where, up: true, outages };
    logger.info({ worker, connection: name, at: where, downMs }, `${name} connection restored`);
    out(`${name} connection restored (${where}) after ${(downMs / 1000).toFixed(1)} s`);
  }
}
