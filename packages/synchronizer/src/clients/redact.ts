import type { Outcome } from '../outcome.js';
import type { FetchResult } from './provider-client.js';

const MASK = '***';

/** `text` with every occurrence of each secret (raw or URL-encoded) masked. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      // includes() first: a large answer body almost never holds it, and is then not copied.
      if (result.includes(form)) result = result.split(form).join(MASK);
    }
  }
  return result;
}

function redactOutcome(outcome: Outcome, secrets: readonly string[]): Outcome {
  return 'message' in outcome ? { ...outcome, message: redact(outcome.message, secrets) } : outcome;
}

/**
 * The result with its texts masked. Server texts go into `detail` and outcome messages as
 * they came, and a proxy's error page may echo the request: this is the last line of defence.
 */
export function redactResult(result: FetchResult, secrets: readonly string[]): FetchResult {
  if (result.outcome.kind === 'rows' && result.detail === undefined) return result;
  return {
    ...result,
    outcome: redactOutcome(result.outcome, secrets),
    ...(result.detail === undefined ? {} : { detail: redact(result.detail, secrets) }),
  };
}
