import { DsyncError } from '@dsync/datasource';

/**
 * A request was cancelled through its AbortSignal. Not an outcome: the caller asked for it,
 * so there is nothing to classify or retry.
 */
export class CancelledError extends DsyncError {
  /** @param cause the signal's `reason`; never the HTTP library's error, which holds the request. */
  constructor(message = 'The request was cancelled.', options?: { cause?: unknown }) {
    super('E_CANCELLED', message, options);
  }
}

/** Throws a {@link CancelledError} when the signal has aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new CancelledError(undefined, { cause: signal.reason });
}
