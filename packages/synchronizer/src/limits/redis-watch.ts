import type { Emitter } from '@dsync/datasource';
import type { Redis } from 'ioredis';

/** What a Redis-backed part tells about its connection (it reconnects on its own). */
export interface RedisConnectionEvents {
  /** A connection was lost; commands wait for the reconnect (the clients retry forever). */
  disconnected: [error: Error];
  /** Every connection lost before is back. */
  reconnected: [];
}

/**
 * Tells `events` when a group of clients that work as one (a commands client and its
 * subscriber) loses a connection and when all of them are back: one `disconnected` per
 * outage, however many of the group dropped, then one `reconnected`. The first connect is
 * neither. ioredis reconnects by itself; this only says so.
 * @returns the function that silences it (a close on purpose is no outage)
 */
export function watchRedis(
  clients: readonly Redis[],
  events: Emitter<RedisConnectionEvents>,
): () => void {
  const ready = new Set(clients.filter((c) => c.status === 'ready'));
  let started = ready.size === clients.length;
  let up = started;
  let silenced = false;
  let lastError: Error | undefined;
  for (const client of clients) {
    // ioredis tells why before it closes (ECONNRESET, a killed client): kept for the event.
    client.on('error', (error: Error) => (lastError = error));
    client.on('ready', () => {
      ready.add(client);
      if (up || ready.size < clients.length) return;
      up = true;
      if (started && !silenced) events.emit('reconnected');
      started = true;
    });
    client.on('close', () => {
      if (!ready.delete(client) || !up) return;
      up = false;
      if (!silenced) events.emit('disconnected', lastError ?? new Error('connection closed'));
      lastError = undefined;
    });
  }
  return () => {
    silenced = true;
  };
}
