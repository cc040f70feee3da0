import type { MigrationProgress, TableMigration } from '@dsync/storage-adapters';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatDuration, formatNumber, plural } from '../output/progress-format.js';

interface MigrateFlags {
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

const columnsOf = (m: TableMigration) => m.columns.map((c) => c.column).join(', ');

/** A progress line per table, on stderr: about to migrate it, then done in how long. */
function progressLine(p: MigrationProgress): string {
  const which = `[${p.index}/${p.total}] ${p.table} (${plural(p.rows, 'row')})`;
  return p.ms === undefined
    ? `${which}: ${columnsOf(p)} to double…`
    : `${which}: done in ${formatDuration(p.ms)}`;
}

/**
 * `dsync migrate`: the numeric columns dsync 0.1 kept as exact decimals (TEXT on SQLite) become
 * doubles, in place, for every configured source's table in the database.
 */
export function registerMigrateCommand(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description(
      'turn the numeric columns an earlier dsync stored as exact decimals (TEXT on SQLite) into numbers, in place, keeping every row; safe to run again',
    )
    .argument('[ids...]', 'source ids (default: every configured source)')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--json', 'print JSON')
    .action(async (ids: string[], flags: MigrateFlags) => {
      const runtime = await context.runtime({ ids });
      const sources = runtime.registry.resolve(ids.length > 0 ? ids : undefined);
      const plan = await runtime.storage.migrate(sources, {
        ...(flags.dryRun === true ? { dryRun: true } : {}),
        onProgress: (p) => {
          if (flags.json !== true) context.stderr.write(`${progressLine(p)}\n`);
        },
      });
      if (flags.json === true) return context.output.json(plan);
      if (plan.length === 0)
        return context.output.line('Nothing to migrate: every table stores numbers.');
      context.output.table(
        plan.map((m) => ({
          source: m.sourceId,
          table: m.table,
          rows: formatNumber(m.rows),
          columns: columnsOf(m),
        })),
        ['source', 'table', 'rows', 'columns'],
      );
      context.output.line(
        flags.dryRun === true
          ? `Would migrate ${plural(plan.length, 'table')}: run dsync migrate to do it.`
          : `Migrated ${plural(plan.length, 'table')}: the columns hold doubles now.`,
      );
    });
}
