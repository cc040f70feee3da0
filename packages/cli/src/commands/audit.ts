import { auditReport, gapArgs, type AuditReport } from '@dsync/arg-generation';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatNumber } from '../output/progress-format.js';
import type { Runtime } from '../runtime/runtime.js';
import { rangeOf, withRange, type RangeFlags } from './options.js';

interface AuditFlags extends RangeFlags {
  readonly backfill?: boolean;
  readonly json?: boolean;
}

/**
 * Queues the requests that fill a source's holes as pending tasks: the next `dsync sync`
 * does unfinished tasks first. A hole's task may be one the ledger has as done (its rows
 * were lost since): it is set back to pending.
 */
async function queueBackfill(
  runtime: Runtime,
  report: AuditReport,
  flags: AuditFlags,
): Promise<number> {
  const source = runtime.registry.get(report.sourceId);
  const context = runtime.storage.argContext((id) =>
    runtime.registry.has(id) ? runtime.registry.get(id) : undefined,
  );
  const { checkpoints } = runtime.storage;
  const runId = `audit-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  let queued = 0;
  for await (const args of gapArgs(source, context, rangeOf(flags))) {
    const updatedAt = new Date().toISOString();
    await checkpoints.addTasks([
      {
        runId,
        sourceId: source.id,
        key: args.key,
        args,
        status: 'pending',
        attempts: 0,
        rows: 0,
        updatedAt,
      },
    ]);
    await checkpoints.updateTask(source.id, args.key, { status: 'pending', attempts: 0 });
    queued++;
  }
  return queued;
}

/** `dsync audit`: what is missing from stored tables against the calendar, optionally queued to fetch. */
export function registerAuditCommand(program: Command, context: CliContext): void {
  withRange(
    program
      .command('audit')
      .description(
        'find gaps in stored tables (open days × symbols); --backfill queues them for the next sync',
      )
      .argument('[ids...]', 'source ids (default: every configured source with a calendar grid)'),
  )
    .option('--backfill', 'queue the requests that fill the gaps (run dsync sync to fetch them)')
    .option('--json', 'print JSON')
    .action(async (ids: string[], flags: AuditFlags) => {
      const runtime = await context.runtime({ ids });
      const argContext = runtime.storage.argContext((id) =>
        runtime.registry.has(id) ? runtime.registry.get(id) : undefined,
      );
      // Named sources are audited or refused with the reason; unnamed ones, those that say what a complete table holds.
      const sources =
        ids.length > 0
          ? ids.map((id) => runtime.registry.get(id))
          : runtime.registry.list().filter((s) => s.coverage !== undefined);
      const reports: (AuditReport & { queued?: number })[] = [];
      for (const source of sources) {
        const report = await auditReport(source, argContext, rangeOf(flags));
        reports.push(
          flags.backfill === true
            ? { ...report, queued: await queueBackfill(runtime, report, flags) }
            : report,
        );
      }
      if (flags.json === true) return context.output.json(reports);
      context.output.table(
        reports.map((r) => ({
          source: r.sourceId,
          range: r.range === undefined ? '' : `${r.range.start}..${r.range.end}`,
          expected: formatNumber(r.expected),
          stored: formatNumber(r.stored),
          missing: formatNumber(r.missing),
          'first hole': r.holes[0]?.date ?? '',
          ...(flags.backfill === true ? { queued: formatNumber(r.queued ?? 0) } : {}),
        })),
        [
          'source',
          'range',
          'expected',
          'stored',
          'missing',
          'first hole',
          ...(flags.backfill === true ? ['queued'] : []),
        ],
      );
      if (flags.backfill === true) context.output.line('Queued: run dsync sync to fetch them.');
    });
}
