import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatNumber } from '../output/progress-format.js';
import { rangeOf, withRange, type RangeFlags } from './options.js';

interface AuditFlags extends RangeFlags {
  readonly backfill?: boolean;
  readonly json?: boolean;
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
      const reports = await runtime.controller.audit({
        ids,
        ...rangeOf(flags),
        ...(flags.backfill === true ? { backfill: true } : {}),
      });
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
