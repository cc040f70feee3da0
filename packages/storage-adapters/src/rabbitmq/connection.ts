import { connect, type ChannelModel } from 'amqplib';
import { StorageError } from '../errors.js';
import { redactUrl, sleep } from '@dsync/datasource';
import { describeError } from './describe-error.js';

/** How long `ready`, and a `write` after a lost connection, keep trying to connect. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000;

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;
const MAX_SOCKET_TIMEOUT_MS = 5_000;

export interface ConnectOptions {
  readonly url: string;
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Aborted when the owner closes: stop retrying at once. */
  readonly signal?: AbortSignal;
  /** Shown by the broker (`rabbitmqctl list_connections client_properties`). @default 'dsync' */
  readonly connectionName?: string;
}

// A wrong password will not get better by retrying for 30 s.
const isLoginRefused = (error: unknown): boolean =>
  error instanceof Error && /ACCESS[-_]REFUSED/.test(error.message);

/**
 * Connects, retrying with exponential backoff (100 ms doubling to 2 s) until `timeoutMs`.
 * The connection gets a no-op `error` listener: amqplib emits `error` before `close` when
 * the broker goes away, and an unheard `error` would crash the process.
 * @throws StorageError `RabbitMQ unreachable at amqp://user:***@host…`, never with the password
 */
export async function connectWithRetry(options: ConnectOptions): Promise<ChannelModel> {
  const { url, timeoutMs, signal, connectionName = 'dsync' } = options;
  const target = redactUrl(url);
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    if (signal?.aborted === true) throw new StorageError(target, 'closed while connecting');
    const remaining = timeoutMs - (Date.now() - started);
    attempts += 1;
    try {
      const model = await connect(url, {
        timeout: Math.max(1_000, Math.min(MAX_SOCKET_TIMEOUT_MS, remaining)),
        clientProperties: { connection_name: connectionName },
      });
      model.on('error', () => undefined);
      return model;
    } catch (error) {
      lastError = error;
      if (isLoginRefused(error)) {
        throw new StorageError(
          target,
          `RabbitMQ refused the login at ${target}: ${describeError(error, url)}`,
        );
      }
    }
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) break;
    await sleep(Math.min(delay, left), signal);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  throw new StorageError(
    target,
    `RabbitMQ unreachable at ${target} (${attempts} attempts in ${seconds} s): ${describeError(lastError, url)}`,
  );
}

/** Closes a connection that may already be closing or gone; errors are beside the point then. */
export async function closeQuietly(model: ChannelModel | undefined): Promise<void> {
  try {
    await model?.close();
  } catch {
    // already closed by the broker or a failed channel
  }
}
