import type { TaskStatus } from '@dsync/datasource';
import type { SourceStatus } from '@dsync/synchronizer';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatNumber } from '../output/progress-format.js';
import { positiveInt } from './options.js';

/** `current`, or `behind by 3 trading days` (of the grid the source's table fills). */
export function freshnessText(freshness: SourceStatus['freshness']): string {
  if (freshness === undefined) return '';
  if (freshness.behind === 0) return 'current';
  const unit = freshness.behind === 1 ? freshness.unit.replace(/s$/, '') : freshness.unit;
  return `behind by ${formatNumber(freshness.behind)} ${unit}`;
}

/** `3 (2023-01-03..2023-01-05)`: dropped requests and the days they cover. */
export function droppedText(dropped: SourceStatus['dropped']): string {
  if (dropped === undefined) return '';
  const { tasks, first, last } = dropped;
  if (first === undefined || last === undefined) return formatNumber(tasks);
  return `${formatNumber(tasks)} (${first === last ? first : `${first}..${last}`})`;
}

/** What a dropped request waits for: said wherever dropped requests are listed. */
export const RETRY_DROPPED_HINT =
  'Dropped requests hold the cursor before their day. They are asked again when the source’s definition ' +
  'or its account’s settings (base URL, token) change, or now with: dsync sync --retry-dropped [source ids]';

const TASK_STATUSES: readonly TaskStatus[] = ['pending', 'running', 'done', 'dropped', 'failed'];

const taskStatus = (value: string): TaskStatus => {
  if (!(TASK_STATUSES as readonly string[]).includes(value))
    throw new InvalidArgumentError(
      `--status takes one of ${TASK_STATUSES.join(', ')}, got "${value}"`,
    );
  return value as TaskStatus;
};

/** `status`, `runs`, `tasks`: what the ledger says, as tables or `--json`. */
export function registerLedgerCommands(program: Command, context: CliContext): void {
  program
    .command('status')
    .description(
      'per source: the last settled day, the days still asked again, how far behind the provider, rows, pending, failed and dropped tasks, quota used today',
    )
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const runtime = await context.runtime();
      const status = await runtime.controller.status();
      if (flags.json === true) return context.output.json(status);
      context.output.table(
        status.map((s) => ({
          source: s.sourceId,
          'last sync': s.lastSyncedAt ?? 'never',
          settled: s.cursor ?? '',
          unsettled: s.unsettled === undefined ? '' : `${s.unsettled.start}..${s.unsettled.end}`,
          stored: s.latestStored ?? '',
          freshness: freshnessText(s.freshness),
          rows: s.rows === undefined ? '' : formatNumber(s.rows),
          pending: s.pendingTasks,
          failed: s.failedTasks,
          dropped: droppedText(s.dropped),
          'quota today': formatNumber(s.quotaUsedToday),
        })),
        [
          'source',
          'last sync',
          'settled',
          'unsettled',
          'stored',
          'freshness',
          'rows',
          'pending',
          'failed',
          'dropped',
          'quota today',
        ],
      );
      if (status.some((s) => s.dropped !== undefined)) context.output.line(RETRY_DROPPED_HINT);
    });

  program
    .command('runs')
    .description('recent runs, newest first, with how each ended')
    .option('--limit <n>', 'how many', positiveInt('--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (flags: { limit: number; json?: boolean }) => {
      const runtime = await context.runtime();
      const runs = await runtime.controller.runs(flags.limit);
      if (flags.json === true) return context.output.json(runs);
      context.output.table(
        runs.map((r) => ({
          run: r.id,
          started: r.startedAt,
          ended: r.endedAt ?? '',
          status: r.status,
          sources: r.sourceIds.join(','),
          reason: r.reason?.message ?? '',
        })),
        ['run', 'started', 'ended', 'status', 'sources', 'reason'],
      );
    });

  program
    .command('tasks')
    .description('the task ledger: failed and dropped tasks with their reasons')
    .option(
      '--status <status>',
      `only tasks in this state (${TASK_STATUSES.join(', ')})`,
      taskStatus,
    )
    .option('--source <id>', 'only this source')
    .option('--run <id>', 'only this run')
    .option('--limit <n>', 'how many', positiveInt('--limit'), 50)
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        status?: TaskStatus;
        source?: string;
        run?: string;
        limit: number;
        json?: boolean;
      }) => {
        // A source named here is checked like any id: unknown ones get suggestions and exit 2.
        const runtime = await context.runtime(
          flags.source === undefined ? {} : { ids: [flags.source] },
        );
        const tasks = await runtime.controller.tasks({
          limit: flags.limit,
          ...(flags.status === undefined ? {} : { status: flags.status }),
          ...(flags.source === undefined ? {} : { sourceId: flags.source }),
          ...(flags.run === undefined ? {} : { runId: flags.run }),
        });
        if (flags.json === true) return context.output.json(tasks);
        context.output.table(
          tasks.map((t) => ({
            source: t.sourceId,
            key: t.key,
            status: t.status,
            attempts: t.attempts,
            rows: t.rows,
            reason: t.lastError === undefined ? '' : `${t.lastError.code}: ${t.lastError.message}`,
          })),
          ['source', 'key', 'status', 'attempts', 'rows', 'reason'],
        );
        if (tasks.some((t) => t.status === 'dropped')) context.output.line(RETRY_DROPPED_HINT);
      },
    );
}
