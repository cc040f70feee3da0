import type { CountersSnapshot } from './http/counters.js';
import type { FaultOptions } from './http/faults.js';
import type { ListenOptions } from './http/server.js';
import { Market, type MarketOptions } from './market/market.js';

/** What both replicas take. */
export interface SandboxOptions extends ListenOptions {
  /** The fake market to serve: a shared instance, or options to build one. @default new Market() */
  readonly market?: Market | MarketOptions;
  /** Injected faults. @default none */
  readonly faults?: FaultOptions;
  /**
   * The replica's clock, in ms (tests may drive it): limits count on it, and it serves the
   * data published by then (see the README's "Time"). @default Date.now
   */
  readonly now?: () => number;
}

/** A running replica. */
export interface Sandbox {
  /** The server's root, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /**
   * What a client's `baseUrl` (a config's `accounts.<provider>.baseUrl`) is set to: the root
   * for Tushare, the root and `/api/v3` for NDL.
   */
  readonly baseUrl: string;
  readonly market: Market;
  /** Requests served, throttled, rejected and faulted: in total, by account, by interface. */
  counters(): CountersSnapshot;
  resetCounters(): void;
  close(): Promise<void>;
}

export const marketOf = (market: SandboxOptions['market']): Market =>
  market instanceof Market ? market : new Market(market);
