import { misconfigurationOf, type RunResult, type SourcePlan } from '@dsync/synchronizer';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { isUsageCode, UsageError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import { createProgress } from '../output/progress.js';
import type { Runtime } from '../runtime/runtime.js';
import { formatDuration, formatNumber, plural } from '../output/progress-format.js';
import { misconfigurationHint } from './misconfiguration-hint.js';
import { rangeOf, withRange, type RangeFlags } from './options.js';
import { syncDistributed } from './sync-distributed.js';

interface SyncFlags extends RangeFlags {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  /** `--no-wait` (distributed mode): false. */
  readonly wait?: boolean;
  readonly retryDropped?: boolean;
}

/**
 * Why a run may stop that a later run cures by waiting: the provider's limits. A run that
 * stops for anything else (an API or a database that does not answer) is an error to fix.
 */
const LIMIT_CODES: ReadonlySet<string> = new Set(['E_DAILY_LIMIT', 'E_TOO_FREQUENT']);

const stoppedAtLimit = (result: RunResult): boolean =>
  result.reason === undefined || LIMIT_CODES.has(result.reason.code);

/** The exit code a run ends with: what a script needs to know to retry or not. */
export function exitCodeOfRun(result: RunResult): number {
  switch (result.status) {
    case 'done':
      // A dropped request's data is missing (an answer dsync could not use, a request the
      // API refused): a script must not read the run as complete.
      return result.sources.some((s) => s.dropped > 0) ? EXIT_CODES.failure : EXIT_CODES.ok;
    case 'stopped':
      return stoppedAtLimit(result) ? EXIT_CODES.stoppedAtLimit : EXIT_CODES.failure;
    case 'cancelled':
      return EXIT_CODES.interrupted;
    default:
      // A source refused as misconfigured waits for a fix to the config, as a broken config
      // file does; a store from an earlier version, for dsync migrate.
      return misconfigurationOf(result.reason) !== undefined ||
        isUsageCode(result.reason?.code ?? '')
        ? EXIT_CODES.usage
        : EXIT_CODES.failure;
  }
}

/** A run that stopped short of a limit: what gave no usable answer, so the user knows what to fix. */
function outOfReachLine(result: RunResult, runtime: Runtime): string {
  const reason = result.reason?.message ?? '';
  if (result.reason?.code === 'E_STORAGE') return `Failed: the storage did not answer (${reason}).`;
  const stopped = result.sources.find((s) => s.status === 'stopped');
  const provider =
    stopped === undefined ? undefined : runtime.registry.get(stopped.sourceId).provider;
  const where =
    provider === undefined ? 'the API' : `the ${provider} API at ${runtime.baseUrlOf(provider)}`;
  // No answer, or one dsync cannot use (broken JSON, a code 0 without data): either way the
  // run waits for the API, not for the user's config.
  return `Failed: ${where} gave no usable answer (${reason}). What was fetched is stored; run again once it does.`;
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

/** Why the run failed, each other source that failed, and for a misconfigured one what to check. */
function printFailures(context: CliContext, runtime: Runtime, result: RunResult): void {
  context.output.line(`Failed: ${result.reason?.message ?? 'see dsync tasks --status failed'}`);
  const lines = new Set<string>();
  for (const s of result.sources) {
    if (s.status !== 'failed' || s.reason === undefined) continue;
    if (s.reason.message !== result.reason?.message) lines.add(`Failed: ${s.reason.message}`);
    const hint = misconfigurationHint(runtime, s);
    if (hint !== undefined) lines.add(hint);
  }
  for (const line of lines) context.output.line(line);
}

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
  if (result.status === 'stopped' && !stoppedAtLimit(result))
    context.output.line(outOfReachLine(result, runtime));
  else if (result.status === 'stopped')
    context.output.line(
      `Stopped at a limit: ${result.reason?.message ?? ''}` +
        (result.resumeAfter === undefined
          ? ''
          : ` Run again after ${result.resumeAfter} to resume.`),
    );
  else if (result.status === 'failed') printFailures(context, runtime, result);
  else if (result.status === 'cancelled')
    context.output.line('Cancelled: what was fetched is stored; run again to resume.');
  else if (result.sources.length === 0)
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
      return await syncDistributed(
        context,
        runtime,
        options,
        flags,
        (synced) => printResult(context, runtime, synced, flags.json === true),
        exitCodeOfRun,
      );
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
        'fetch what is missing: every unsynced source, or the ones named (with what they need); ' +
          'in distributed mode (config: distributed), queue the requests for dsync worker --fetch ' +
          'processes and follow them in the ledger',
      )
      .argument('[ids...]', 'source ids, e.g. tushare.daily'),
  )
    .option('--dry-run', 'print the plan instead of fetching')
    .option(
      '--no-wait',
      'distributed mode: return once the tasks are queued, printing the run id (default: wait for the fetch workers)',
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
