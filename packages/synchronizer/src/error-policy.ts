import type { Outcome, OutcomeKind } from './outcome.js';

/**
 * The seed's error policy as one table: from an outcome (and how far the task has got) to
 * what the engine does next. Pure, so every branch is tested without a server or a clock.
 */
export type Decision =
  /** Hand the rows to the sink; the task is done once they are durable. */
  | { readonly action: 'store' }
  /** Nothing to store; the task is done. */
  | { readonly action: 'discard' }
  /** Reset the task's clock to `delayMs` from now and put it back on the wait list. */
  | { readonly action: 'cool-down'; readonly delayMs: number }
  /** Try the task again after `delayMs`. */
  | { readonly action: 'retry'; readonly delayMs: number }
  /** Report, drop this task, let the others go on. */
  | { readonly action: 'drop' }
  /**
   * The source's definition or its account's settings are wrong, not this request: stop the
   * source (not the other sources), dropping nothing; its tasks wait for the fix.
   */
  | { readonly action: 'misconfigured' }
  /** Checkpoint, cancel the remaining tasks, report. `resumable`: a later run can finish. */
  | { readonly action: 'stop'; readonly resumable: boolean; readonly resumeAfter?: string };

export interface PolicyContext {
  /** Attempts made so far, the one that produced this outcome included. */
  readonly attempt: number;
  /**
   * Requests of the source refused the same way before this one, while none of its requests
   * has been answered; absent once one has been (or was refused another way).
   */
  readonly leadingDrops?: number;
}

export interface ErrorPolicyOptions {
  /** The longest cool-down worth waiting for; a longer one stops the run. @default 120000 */
  readonly maxWaitMs: number;
  /** Attempts per task before a timeout or transient error stops the run. @default 5 */
  readonly maxAttempts: number;
  /** A too-frequent answer that says no wait waits this long (Tushare's window is the minute). @default 60000 */
  readonly defaultCoolDownMs: number;
  /** First retry delay; doubles each attempt. @default 1000 */
  readonly retryBaseMs: number;
  /** The longest retry delay. @default 30000 */
  readonly retryMaxMs: number;
  /**
   * Requests refused the same way in a row, before any request of the source is answered,
   * that make it a misconfigured source rather than bad requests. @default 3
   */
  readonly dropsToStop: number;
}

export const DEFAULT_ERROR_POLICY: Readonly<ErrorPolicyOptions> = Object.freeze({
  maxWaitMs: 120_000,
  maxAttempts: 5,
  defaultCoolDownMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
  dropsToStop: 3,
});

type Rule<K extends OutcomeKind> = (
  outcome: Extract<Outcome, { kind: K }>,
  context: PolicyContext,
  options: ErrorPolicyOptions,
) => Decision;

const retryOrStop = (context: PolicyContext, options: ErrorPolicyOptions): Decision =>
  context.attempt < options.maxAttempts
    ? {
        action: 'retry',
        delayMs: Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (context.attempt - 1)),
      }
    : { action: 'stop', resumable: true };

/**
 * A refusal that is not about the request: a route the API does not have, or the source's
 * first requests all refused the same way. One bad request among answered ones is dropped.
 */
const misconfigured = (
  outcome: Extract<Outcome, { kind: 'bad-argument' }>,
  context: PolicyContext,
  options: ErrorPolicyOptions,
): boolean =>
  outcome.suspect === 'address' ||
  (context.leadingDrops !== undefined && context.leadingDrops + 1 >= options.dropsToStop);

/** outcome → decision; one line per row of the seed's table. */
const POLICY: { readonly [K in OutcomeKind]: Rule<K> } = {
  rows: () => ({ action: 'store' }),
  empty: () => ({ action: 'discard' }),
  'too-frequent': (outcome, _context, options) => {
    const delayMs = outcome.retryAfterMs ?? options.defaultCoolDownMs;
    return delayMs <= options.maxWaitMs
      ? { action: 'cool-down', delayMs }
      : { action: 'stop', resumable: true };
  },
  'daily-limit': (outcome) =>
    outcome.resetsAt === undefined
      ? { action: 'stop', resumable: true }
      : { action: 'stop', resumable: true, resumeAfter: outcome.resetsAt },
  'bad-argument': (outcome, context, options) =>
    misconfigured(outcome, context, options) ? { action: 'misconfigured' } : { action: 'drop' },
  timeout: (_outcome, context, options) => retryOrStop(context, options),
  transient: (_outcome, context, options) => retryOrStop(context, options),
  auth: () => ({ action: 'stop', resumable: false }),
  permission: () => ({ action: 'stop', resumable: false }),
  unknown: () => ({ action: 'stop', resumable: false }),
};

/** What the engine does with an outcome. */
export function decide(
  outcome: Outcome,
  context: PolicyContext,
  options: ErrorPolicyOptions = DEFAULT_ERROR_POLICY,
): Decision {
  const rule = POLICY[outcome.kind] as Rule<OutcomeKind>;
  return rule(outcome, context, options);
}
