import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { createEmitter, systemClock, type Clock } from '@dsync/datasource';
import { watchRedis, type RedisConnectionEvents } from './redis-watch.js';

/**
 * Limits shared by every process of a deployment through one Redis: the rate windows through
 * Bottleneck's own clustering, and the day's count, a provider's "daily limit reached" and
 * its cool-downs through one small script each process runs before every call.
 *
 * Bottleneck 2.19.5 (its last release) has two faults on Redis 7, both proven by
 * `test/redis-cluster.test.ts` against the Redis on this machine, and both handled here:
 *
 * - Redis 7 prefixes the errors a Lua script raises with `ERR `. Bottleneck compares the bare
 *   message to recover from lost state (`SETTINGS_KEY_NOT_FOUND` when its keys expired or
 *   Redis restarted empty; `UNKNOWN_CLIENT` when a process stalled past `clientTimeout`), so
 *   instead of recovering, every call of that limiter rejects for good (upstream #205, #219,
 *   #215). `recoverOnRedis7` strips the prefix from those two answers.
 * - On Redis, a reservoir refills only when a script runs: on a call, or on the heartbeat
 *   (5 s by default). A queue waiting for the next window waits for the heartbeat, which cut
 *   throughput to a fifth of a 1-second window in the test. The lanes set the heartbeat
 *   from the window (see `reservoirOf` in account-limiter.ts).
 * - With a fractional `minTime` (1.11 ms: 1,000 calls a second with the safety margin) and
 *   keys that expire (`timeout`), its scripts compute a fractional TTL, Redis refuses it
 *   (`PEXPIRE` takes integers), and the limiter starts a few jobs and then none, for good.
 *   The local datastore takes fractions; on Redis the lanes round the spacing up to whole
 *   milliseconds.
 */
export interface RedisLimitsOptions {
  /** `redis://[:password@]host:port[/db]` */
  readonly url: string;
  /** Prefix of every key, so deployments can share a Redis. @default "dsync" */
  readonly prefix?: string;
  /** The clock a provider's reset time is measured from, for the stop's expiry. @default the system clock */
  readonly clock?: Clock;
  /**
   * The connections' name on the server (`CLIENT LIST`; no spaces), so an operator can tell
   * which process holds which. @default none
   */
  readonly connectionName?: string;
}

/** What the gate says before a call. */
export type GateVerdict =
  | { readonly kind: 'ok'; readonly used: number }
  /** The account cools down for `waitMs` more. */
  | { readonly kind: 'wait'; readonly waitMs: number }
  /** The day is spent: by the count, or because the provider said so (`resetsAt` then). */
  | { readonly kind: 'spent'; readonly used: number; readonly resetsAt?: string };

/**
 * KEYS: day count, stop flag, cool-down. ARGV: limit per day (-1: none), the day key's TTL.
 * Redis's own clock times the cool-down, so processes on machines whose clocks differ agree.
 */
const GATE = `
local stopped = redis.call('GET', KEYS[2])
if stopped then return {'spent', redis.call('GET', KEYS[1]) or '0', stopped} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cool = tonumber(redis.call('GET', KEYS[3]) or '0')
if cool > now then return {'wait', tostring(cool - now)} end
local limit = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if limit >= 0 and used >= limit then return {'spent', tostring(used)} end
used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {'ok', tostring(used)}
`;

/** KEYS: cool-down. ARGV: milliseconds. Keeps the later end when two processes cool down at once. */
const COOL_DOWN = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then redis.call('SET', KEYS[1], tostring(until_ms), 'PX', ARGV[1]) end
return until_ms - now
`;

interface GateCommands {
  dsyncGate(
    day: string,
    stop: string,
    cool: string,
    limit: number,
    ttlMs: number,
  ): Promise<string[]>;
  dsyncCoolDown(cool: string, ms: number): Promise<number>;
}

const BOTTLENECK_ERRORS = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

type ScriptCallback = (error: Error | null, replies: unknown) => void;
interface ScriptingConnection {
  __scriptArgs__(name: string, id: string, args: unknown[], cb: ScriptCallback): unknown[];
}

/**
 * Makes Bottleneck recognise the two answers it recovers from, as Redis 7 words them.
 * @returns whether the connection had the hook (a Bottleneck upgrade that drops it fails the tests)
 */
export function recoverOnRedis7(connection: Bottleneck.IORedisConnection): boolean {
  const hooked = connection as unknown as Partial<ScriptingConnection>;
  const original = hooked.__scriptArgs__?.bind(connection);
  if (original === undefined) return false;
  hooked.__scriptArgs__ = (name, id, args, cb) =>
    original(name, id, args, (error, replies) => {
      if (error !== null && BOTTLENECK_ERRORS.test(error.message))
        error.message = error.message.slice('ERR '.length);
      cb(error, replies);
    });
  return true;
}

export class RedisLimits {
  readonly #redis: Redis & GateCommands;
  readonly #connection: Bottleneck.IORedisConnection;
  readonly #prefix: string;

  readonly #clock: Clock;
  readonly #events = createEmitter<RedisConnectionEvents>();
  readonly #unwatch: () => void;
  #closing: Promise<void> | undefined;

  constructor(options: RedisLimitsOptions) {
    this.#prefix = options.prefix ?? 'dsync';
    this.#clock = options.clock ?? systemClock;
    // Commands wait for a reconnect rather than fail: a Redis restart pauses calls, it does not drop tasks.
    const redis = new Redis(options.url, {
      maxRetriesPerRequest: null,
      lazyConnect: false,
      ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    });
    redis.defineCommand('dsyncGate', { numberOfKeys: 3, lua: GATE });
    redis.defineCommand('dsyncCoolDown', { numberOfKeys: 1, lua: COOL_DOWN });
    this.#redis = redis as Redis & GateCommands;
    this.#connection = new Bottleneck.IORedisConnection({ client: redis, Redis });
    recoverOnRedis7(this.#connection);
    // The subscriber is Bottleneck's duplicate of the client: calls wait on either.
    const { subscriber } = this.#connection as unknown as { subscriber: Redis };
    this.#unwatch = watchRedis([redis, subscriber], this.#events);
  }

  /**
   * Subscribes to the connections' loss and return (`disconnected`, `reconnected`); returns
   * the unsubscribe function. While lost, calls wait for the limits.
   */
  on<E extends keyof RedisConnectionEvents>(
    event: E,
    listener: (...args: RedisConnectionEvents[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Waits until both the commands client and Bottleneck's subscriber are connected. */
  async ready(): Promise<void> {
    // A promise, not the method its typings declare.
    await (this.#connection as unknown as { ready: Promise<unknown> }).ready;
  }

  /**
   * Bottleneck options that put a limiter's state in Redis under `name`. Its keys expire after
   * `idleMs` without use, so a changed configuration takes effect once the old state is idle.
   */
  bottleneckOptions(name: string, idleMs: number): Bottleneck.ConstructorOptions {
    return {
      datastore: 'ioredis',
      connection: this.#connection,
      // A hash tag keeps one limiter's keys in one slot of a Redis Cluster.
      id: `${this.#prefix}-{${name}}`,
      clearDatastore: false,
      timeout: idleMs,
    };
  }

  /** One scope's keys, hash-tagged into one slot: the gate script reads them together. */
  #keys(scope: string) {
    const base = `${this.#prefix}:quota:{${scope}}`;
    return {
      day: (day: string) => `${base}:day:${day}`,
      stop: `${base}:stop`,
      cool: `${base}:cool`,
    };
  }

  /** Seeds the day's count from the ledger when Redis has none (a new or flushed Redis). */
  async seedDay(scope: string, day: string, used: number, ttlMs: number): Promise<void> {
    if (used > 0) await this.#redis.set(this.#keys(scope).day(day), used, 'PX', ttlMs, 'NX');
  }

  /** Counts one call against the day, unless the account is stopped, cooling down, or spent. */
  async pass(scope: string, day: string, perDay: number | undefined, ttlMs: number) {
    const keys = this.#keys(scope);
    const [kind, value, resetsAt] = await this.#redis.dsyncGate(
      keys.day(day),
      keys.stop,
      keys.cool,
      perDay ?? -1,
      ttlMs,
    );
    const n = Number(value);
    if (kind === 'ok') return { kind, used: n } satisfies GateVerdict;
    if (kind === 'wait') return { kind, waitMs: n } satisfies GateVerdict;
    return {
      kind: 'spent',
      used: n,
      ...(resetsAt === undefined ? {} : { resetsAt }),
    } satisfies GateVerdict as GateVerdict;
  }

  /** Every process pauses the scope's calls for `ms`. */
  async coolDown(scope: string, ms: number): Promise<void> {
    await this.#redis.dsyncCoolDown(this.#keys(scope).cool, Math.max(1, Math.ceil(ms)));
  }

  /** Every process stops the scope's calls until `resetsAt` (the provider said the day is spent). */
  async exhaust(scope: string, resetsAt: string): Promise<void> {
    const ms = Math.max(1_000, new Date(resetsAt).getTime() - this.#clock());
    await this.#redis.set(this.#keys(scope).stop, resetsAt, 'PX', ms);
  }

  /**
   * When the scope's calls resume, while a process has stopped them (`exhaust`): what a
   * producer tells the user when fetch workers stopped at a daily limit. Undefined otherwise.
   */
  async stoppedUntil(scope: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#keys(scope).stop)) ?? undefined;
  }

  /** The day's count across processes. */
  async used(scope: string, day: string): Promise<number> {
    return Number((await this.#redis.get(this.#keys(scope).day(day))) ?? 0);
  }

  /** Closes both connections; a second call waits for the first. */
  close(): Promise<void> {
    this.#unwatch();
    this.#closing ??= this.#connection.disconnect(true);
    return this.#closing;
  }
}
