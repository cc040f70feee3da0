import {
  misconfigurationOf,
  type RunResult,
  type SourcePlan,
  type SourceResult,
} from '@dsync/synchronizer';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { isUsageCode, UsageError } from '../errors.js';
import { EXIT_CODES, EXIT_PRECEDENCE } from '../exit-codes.js';
import { createProgress } from '../output/progress.js';
import type { Runtime } from '../runtime/runtime.js';
import { formatDuration, formatNumber, plural } from '../output/progress-format.js';
import { misconfigurationHint } from './misconfiguration-hint.js';
import { positiveInt, rangeOf, withRange, type RangeFlags } from './options.js';
import { syncDistributed } from './sync-distributed.js';

interface SyncFlags extends RangeFlags {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  /** `--no-wait` (distributed mode): false. */
  readonly wait?: boolean;
  readonly retryDropped?: boolean;
  /** Distributed mode: seconds to wait for batches to be stored with none stored meanwhile. */
  readonly storeTimeout: number;
}

/**
 * Why a run may stop that a later run cures by waiting: the provider's limits. A run that
 * stops for anything else (an API or a database that does not answer) is an error to fix.
 */
const LIMIT_CODES: ReadonlySet<string> = new Set(['E_DAILY_LIMIT', 'E_TOO_FREQUENT']);

/** The parts of a run's or a source's ending the exit code reads. */
type Ending = Pick<SourceResult, 'status' | 'reason'> & { readonly dropped?: number };

const stoppedAtLimit = (ending: Ending): boolean =>
  ending.reason === undefined ||
  LIMIT_CODES.has(ending.reason.code) ||
  // Held back by a source that stopped at a limit: it resumes with it.
  ending.reason.code === 'E_DEPENDENCY_STOPPED';

/** The exit code of one source's ending (or of a run that ended before any source ran). */
function exitCodeOf(ending: Ending): number {
  switch (ending.status) {
    case 'done':
      // A dropped request's data is missing (an answer dsync could not use, a request the
      // API refused): a script must not read the run as complete.
      return (ending.dropped ?? 0) > 0 ? EXIT_CODES.failure : EXIT_CODES.ok;
    case 'stopped':
      if (ending.reason?.code === 'E_NOT_STORED') return EXIT_CODES.notStored;
      return stoppedAtLimit(ending) ? EXIT_CODES.stoppedAtLimit : EXIT_CODES.failure;
    case 'cancelled':
      return EXIT_CODES.interrupted;
    default:
      // A source refused as misconfigured waits for a fix to the config, as a broken config
      // file does; a store from an earlier version, for dsync migrate.
      return misconfigurationOf(ending.reason) !== undefined ||
        isUsageCode(ending.reason?.code ?? '')
        ? EXIT_CODES.usage
        : EXIT_CODES.failure;
  }
}

/**
 * The exit code a run ends with, what a script needs to know to retry or not: the most
 * serious of its sources' (in `EXIT_PRECEDENCE`), or the run's own when it ended before them.
 */
export function exitCodeOfRun(result: RunResult): number {
  const codes = new Set(result.sources.map(exitCodeOf));
  if (result.status !== 'done') codes.add(exitCodeOf(result));
  return EXIT_PRECEDENCE.find((code) => codes.has(code)) ?? EXIT_CODES.ok;
}

/** A source that stopped short of a limit: what gave no usable answer, so the user knows what to fix. */
function outOfReachLine(
  runtime: Runtime,
  stopped: Ending & { readonly sourceId?: string },
): string {
  const reason = stopped.reason?.message ?? '';
  if (stopped.reason?.code === 'E_STORAGE')
    return `Failed: the storage did not answer (${reason}).`;
  const provider =
    stopped.sourceId === undefined ? undefined : runtime.registry.get(stopped.sourceId).provider;
  const where =
    provider === undefined ? 'the API' : `the ${provider} API at ${runtime.baseUrlOf(provider)}`;
  // No answer, or one dsync cannot use (broken JSON, a code 0 without data): either way the
  // run waits for the API, not for the user's config.
  return `Failed: ${where} gave no usable answer (${reason}). What was fetched is stored; run again once it does.`;
}

/** A source not synced for what a source it reads ended with. */
const HELD_BACK: ReadonlySet<string> = new Set(['E_DEPENDENCY_FAILED', 'E_DEPENDENCY_STOPPED']);

/** What to do about a failure, by its code, where the message alone does not say. */
const WHAT_TO_DO: Readonly<Record<string, string>> = {
  E_PERMISSION:
    'the account may not call it: give the account the points or the subscription, or leave the source out of the config.',
  E_AUTH: 'the provider refused the token or API key: check it (TUSHARE_TOKEN, NDL_API_KEY).',
  E_DEPENDENCY_FAILED: 'it is synced once the source it reads is.',
  E_CALENDAR: 'sync the calendar over the range first.',
  E_MISSING_DEPENDENCY: 'sync the source it reads first.',
};

/** Why a source did not finish and what to do; undefined for a cancel (told once for the run). */
function notFinishedLines(runtime: Runtime, s: SourceResult, resumeAfter?: string): string[] {
  if (s.status === 'done' || s.status === 'cancelled') return [];
  if (s.reason?.code === 'E_NOT_STORED')
    return [
      `Not stored: ${s.reason.message}`,
      '  What to do: start dsync worker (it stores the queued batches), then run dsync sync again.',
    ];
  if (s.status === 'stopped' && !stoppedAtLimit(s)) return [outOfReachLine(runtime, s)];
  if (s.status === 'stopped') {
    const after = s.resumeAfter ?? resumeAfter;
    return [
      `Stopped at a limit: ${s.reason?.message ?? ''}` +
        (after === undefined ? '' : ` Run again after ${after} to resume.`),
    ];
  }
  const hint =
    misconfigurationHint(runtime, s) ??
    (s.reason === undefined ? undefined : WHAT_TO_DO[s.reason.code]) ??
    `see: dsync tasks --source ${s.sourceId} --status failed`;
  return [`Failed: ${s.reason?.message ?? s.sourceId}`, `  What to do: ${hint}`];
}

const REQUESTS_SHOWN: Record<SourcePlan['count'], (n: number) => string> = {
  exact: formatNumber,
  estimate: (n) => `~${formatNumber(n)}`,
  unknown: () => '?',
};

function printPlan(context: CliContext, plans: readonly SourcePlan[], json: boolean): void {
  if (json) return context.output.json(plans);
  const notes = plans.some((p) => p.note !== undefined);
  context.output.table(
    plans.map((p) => ({
      source: p.sourceId,
      api: p.api,
      requests: REQUESTS_SHOWN[p.count](p.requests),
      eta: p.count === 'unknown' ? '?' : formatDuration(p.etaMs),
      days: p.count === 'unknown' ? '?' : p.days,
      note: p.note,
    })),
    ['source', 'api', 'requests', 'eta', 'days', ...(notes ? ['note'] : [])],
  );
  if (plans.some((p) => p.count === 'estimate'))
    context.output.line(
      '~ estimated: open days are counted as weekdays until the calendar is stored (a sync stores it first).',
    );
}

async function planCommand(context: CliContext, ids: string[], flags: SyncFlags): Promise<number> {
  const runtime = await context.runtime({ ids });
  const plans = await runtime.controller.plan({
    ...(ids.length > 0 ? { ids } : {}),
    ...rangeOf(flags),
    ...(flags.retryDropped === true ? { retryDropped: true } : {}),
  });
  printPlan(context, plans, flags.json === true);
  return EXIT_CODES.ok;
}

/**
 * Each source's ending, then for each that did not finish why and what to do, the cause
 * first (a source held back by it after).
 */
function printResult(
  context: CliContext,
  runtime: Runtime,
  result: RunResult,
  json: boolean,
): void {
  if (json) return context.output.json(result);
  for (const s of result.sources) {
    context.output.line(
      `${s.sourceId}: ${s.status}, ${plural(s.requests, 'request')}, ${plural(s.rows, 'row')}` +
        (s.skipped > 0 ? `, ${formatNumber(s.skipped)} already done` : '') +
        (s.dropped > 0
          ? `, ${formatNumber(s.dropped)} dropped (see: dsync tasks --status dropped)`
          : ''),
    );
  }
  // The cause first (the run's reason), then what failed on its own, then what it held back.
  const rank = (s: SourceResult) =>
    s.reason?.message === result.reason?.message ? 0 : HELD_BACK.has(s.reason?.code ?? '') ? 2 : 1;
  const lines = new Set<string>();
  for (const s of [...result.sources].sort((a, b) => rank(a) - rank(b)))
    for (const line of notFinishedLines(runtime, s, result.resumeAfter)) lines.add(line);
  // A run that ended before its sources ran (a store to migrate, the ledger out of reach).
  if (result.sources.length === 0 && result.status !== 'done')
    lines.add(
      result.status === 'stopped' && !stoppedAtLimit(result)
        ? outOfReachLine(runtime, result)
        : `Failed: ${result.reason?.message ?? 'see dsync tasks --status failed'}`,
    );
  for (const line of lines) context.output.line(line);
  if (result.status === 'cancelled')
    context.output.line('Cancelled: what was fetched is stored; run again to resume.');
  else if (result.sources.length === 0 && result.status === 'done')
    context.output.line('Nothing to sync: every source is current.');
}

async function syncCommand(context: CliContext, ids: string[], flags: SyncFlags): Promise<number> {
  if (flags.dryRun === true) return planCommand(context, ids, flags);
  const runtime = await context.runtime({ ids });
  const { controller, registry } = runtime;
  runtime.requireCredentials(registry.resolve(ids.length > 0 ? ids : undefined));
  const logger = await context.logger();
  const options = {
    ...(ids.length > 0 ? { ids } : {}),
    ...rangeOf(flags),
    ...(flags.retryDropped === true ? { retryDropped: true } : {}),
  };
  if (runtime.distributed !== undefined) {
    const unlogQueued = controller.events.on((event) => logger.debug(event, event.type));
    try {
      return await syncDistributed(context, runtime, options, flags, {
        print: (result) => printResult(context, runtime, result, flags.json === true),
        exitCode: exitCodeOfRun,
      });
    } finally {
      unlogQueued();
    }
  }
  if (flags.wait === false)
    throw new UsageError(
      '--no-wait queues tasks for fetch workers: it needs the distributed key in the config.',
    );
  const progress = createProgress({
    stream: context.stderr,
    plans: await controller.plan(options),
  });
  const unsubscribe = controller.events.on(progress.listener);
  const unlog = controller.events.on((event) => logger.debug(event, event.type));
  const removeInterrupt = context.onInterrupt(() => {
    context.stderr.write(
      '\nStopping: finishing the requests in flight (Ctrl-C again to quit now)…\n',
    );
    controller.cancel();
  });
  try {
    const result = await controller.sync(options);
    progress.finish();
    logger.info({ runId: result.runId, status: result.status }, 'run finished');
    printResult(context, runtime, result, flags.json === true);
    return exitCodeOfRun(result);
  } finally {
    progress.finish();
    unsubscribe();
    unlog();
    removeInterrupt();
  }
}

export function registerSyncCommands(program: Command, context: CliContext): void {
  withRange(
    program
      .command('sync')
      .description(
        'fetch what is missing: every unsynced source, or the ones named (with what they need), ' +
          'each as soon as what it reads is done, side by side; in distributed mode (config: ' +
          'distributed), queue the requests for dsync worker --fetch processes and follow them ' +
          '(Ctrl-C cancels the run)',
      )
      .argument('[ids...]', 'source ids, e.g. tushare.daily'),
  )
    .option('--dry-run', 'print the plan instead of fetching')
    .option(
      '--no-wait',
      'distributed mode: return once the tasks are queued, printing the run id (default: wait for the fetch workers)',
    )
    .option(
      '--store-timeout <seconds>',
      'distributed mode: how long fetched batches may wait in the queue with none stored before the sync gives up on them (exit 4; the cursors stay)',
      positiveInt('--store-timeout'),
      600,
    )
    .option(
      '--retry-dropped',
      'ask the dropped requests again (by itself, dsync asks them again once the source’s definition or its account’s base URL or token changes)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (ids: string[], flags: SyncFlags) => {
      context.exitCode = await syncCommand(context, ids, flags);
    });

  withRange(
    program
      .command('plan')
      .description('requests per source, the time they take at the limits, and days of daily quota')
      .argument('[ids...]', 'source ids (default: every unsynced source)'),
  )
    .option('--json', 'print JSON')
    .action(async (ids: string[], flags: SyncFlags) => {
      context.exitCode = await planCommand(context, ids, flags);
    });
}
