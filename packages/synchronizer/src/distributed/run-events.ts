import { createEmitter } from '@dsync/datasource';
import { Redis } from 'ioredis';
import type { SyncEvent, SyncListener } from '../engine/events.js';
import { watchRedis, type RedisConnectionEvents } from '../limits/redis-watch.js';

/**
 * Where the processes of a distributed run tell its events and its follower hears them: the
 * fetch workers publish what each task does, `SyncController.follow` subscribes. Best effort,
 * as pub/sub is: the ledger stays the truth, and the follower checks it when events are late.
 */
export interface RunEventsChannel {
  /** Tells the run's followers an event; never throws (a lost event costs only a late check). */
  publish(runId: string, event: SyncEvent): void;
  /** Hears the run's events until the returned function is called. */
  subscribe(runId: string, listener: SyncListener): Promise<() => Promise<void>>;
}

export interface RedisRunEventsOptions {
  /** `redis://[:password@]host:port[/db]`: the deployment's Redis (`distributed.redis`). */
  readonly url: string;
  /** Prefix of every channel, so deployments can share a Redis. @default "dsync" */
  readonly prefix?: string;
  /** The connections' name on the server (`CLIENT LIST`; no spaces). @default none */
  readonly connectionName?: string;
}

/** A run's events over Redis pub/sub: one channel per run, JSON messages. */
export class RedisRunEvents implements RunEventsChannel {
  readonly #prefix: string;
  readonly #url: string;
  readonly #connectionName: string | undefined;
  #publisher: Redis | undefined;
  #subscriber: Redis | undefined;
  readonly #listeners = new Map<string, Set<SyncListener>>();
  readonly #events = createEmitter<RedisConnectionEvents>();
  readonly #unwatch: (() => void)[] = [];

  constructor(options: RedisRunEventsOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix ?? 'dsync';
    this.#connectionName = options.connectionName;
  }

  /**
   * Subscribes to a connection's loss and return (`disconnected`, `reconnected`), each
   * connection on its own; returns the unsubscribe function. While lost, events wait.
   */
  on<E extends keyof RedisConnectionEvents>(
    event: E,
    listener: (...args: RedisConnectionEvents[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Connects the publisher: a Redis out of reach fails here, not at the first event. */
  async ready(): Promise<void> {
    await this.#publishing().ping();
  }

  publish(runId: string, event: SyncEvent): void {
    this.#publishing()
      .publish(this.#channel(runId), JSON.stringify(event))
      .catch(() => undefined);
  }

  async subscribe(runId: string, listener: SyncListener): Promise<() => Promise<void>> {
    const channel = this.#channel(runId);
    const subscriber = this.#subscribing();
    let listeners = this.#listeners.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      await subscriber.subscribe(channel);
    }
    listeners.add(listener);
    return async () => {
      listeners.delete(listener);
      if (listeners.size > 0 || this.#listeners.get(channel) !== listeners) return;
      this.#listeners.delete(channel);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
    const connections = [this.#publisher, this.#subscriber].filter((c) => c !== undefined);
    this.#publisher = undefined;
    this.#subscriber = undefined;
    this.#listeners.clear();
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  }

  #channel(runId: string): string {
    return `${this.#prefix}:run:${runId}:events`;
  }

  #publishing(): Redis {
    // Commands wait for a reconnect rather than fail: a Redis restart delays events.
    this.#publisher ??= this.#connect();
    return this.#publisher;
  }

  #connect(): Redis {
    const redis = new Redis(this.#url, {
      maxRetriesPerRequest: null,
      ...(this.#connectionName === undefined ? {} : { connectionName: this.#connectionName }),
    });
    this.#unwatch.push(watchRedis([redis], this.#events));
    return redis;
  }

  #subscribing(): Redis {
    if (this.#subscriber === undefined) {
      const subscriber = this.#connect();
      subscriber.on('message', (channel: string, message: string) => {
        const listeners = this.#listeners.get(channel);
        if (listeners === undefined) return;
        let event: SyncEvent;
        try {
          event = JSON.parse(message) as SyncEvent;
        } catch {
          return; // not ours: another writer on the channel
        }
        for (const listener of listeners) listener(event);
      });
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }
}
