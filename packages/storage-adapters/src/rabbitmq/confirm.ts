import type { ConfirmChannel, Message, Options } from 'amqplib';

/** How long a publish waits for the broker's confirm before it counts as failed. */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;

/** Publishes on a confirm channel; each publish settles on its own confirm. */
export interface ConfirmedPublisher {
  /**
   * Resolves once the broker has confirmed the message (for a persistent message to a
   * durable queue: written to disk). Rejects on a nack, a return (mandatory, unroutable),
   * a closed channel, or no confirm within the timeout. Never resolves without a confirm.
   */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
  ): Promise<void>;
  /** Publishes not yet confirmed. */
  readonly pending: number;
}

interface Entry {
  readonly messageId: unknown;
  returned: boolean;
  finish(error?: Error): void;
}

export function confirmedPublisher(
  channel: ConfirmChannel,
  timeoutMs: number = DEFAULT_CONFIRM_TIMEOUT_MS,
): ConfirmedPublisher {
  const entries = new Set<Entry>();

  // The broker sends basic.return before the confirm of the same message, so marking the
  // entry here is seen by its confirm callback. Same-id publishes in flight are all marked:
  // a needless retry is harmless, a false success is not.
  channel.on('return', (message: Message) => {
    for (const entry of entries)
      if (entry.messageId === message.properties.messageId) entry.returned = true;
  });
  // amqplib fails outstanding confirm callbacks on close too; this also covers a publish
  // whose callback was never registered because the channel was closing.
  channel.on('close', () => {
    for (const entry of [...entries]) entry.finish(new Error('channel closed before the confirm'));
  });

  return {
    get pending() {
      return entries.size;
    },
    publish(exchange, routingKey, content, options) {
      return new Promise<void>((resolve, reject) => {
        const entry: Entry = {
          messageId: options.messageId,
          returned: false,
          finish(error) {
            if (!entries.delete(entry)) return;
            clearTimeout(timer);
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        entries.add(entry);
        const timer = setTimeout(
          () => entry.finish(new Error(`no confirm from the broker within ${timeoutMs} ms`)),
          timeoutMs,
        );
        try {
          channel.publish(exchange, routingKey, content, options, (error: unknown) => {
            if (error !== null && error !== undefined) entry.finish(asError(error));
            else if (entry.returned)
              entry.finish(new Error(`unroutable: no queue bound for routing key "${routingKey}"`));
            else entry.finish();
          });
        } catch (error) {
          // amqplib throws synchronously on a closed channel (IllegalOperationError).
          entry.finish(asError(error));
        }
      });
    },
  };
}

const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(typeof error === 'string' ? error : 'not confirmed');
