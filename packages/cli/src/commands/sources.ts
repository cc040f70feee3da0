import { builtInCatalog, DataSourceRegistry, type DataSource } from '@dsync/datasource';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const summary = (s: DataSource) => ({
  id: s.id,
  provider: s.provider,
  api: s.api,
  args: s.args.kind,
  table: s.storage.table,
  title: s.title ?? '',
});

/** The catalog as a registry, so lookups fail with the registry's "did you mean". */
const catalogRegistry = (): DataSourceRegistry =>
  DataSourceRegistry.load([...builtInCatalog().keys()]);

/** `dsync sources`: the sources dsync knows (the built-in catalog until configuration lands). */
export function registerSourcesCommand(program: Command, context: CliContext): void {
  const { output } = context;
  const sources = program.command('sources').description('list and inspect data sources');

  sources
    .command('list', { isDefault: true })
    .description('list the built-in catalog of data sources')
    .option('--json', 'print JSON instead of a table')
    .action((options: { json?: boolean }) => {
      const rows = catalogRegistry().list().map(summary);
      if (options.json) output.json(rows);
      else output.table(rows, ['id', 'provider', 'api', 'args', 'table', 'title']);
    });

  sources
    .command('show')
    .description('show one source: fields, primary key, arg strategy, storage and schedule')
    .argument('<id>', 'source id, e.g. tushare.daily')
    .option('--json', 'print the resolved definition as JSON')
    .action((id: string, options: { json?: boolean }) => {
      const source = catalogRegistry().get(id);
      if (options.json) return output.json(source);
      output.line(`${source.id}  ${source.title ?? ''}`);
      if (source.description) output.line(source.description);
      output.line(
        `provider ${source.provider}, api ${source.api}, row cap ${source.rowCap ?? 'none'}`,
      );
      output.line(`args ${JSON.stringify(source.args)}`);
      output.line(
        `table ${source.storage.table} (${source.storage.writeMode}), primary key ${source.primaryKey.join(', ')}`,
      );
      if (source.sync.schedule)
        output.line(`schedule "${source.sync.schedule}" ${source.sync.timezone}`);
      output.line('');
      output.table(
        source.fields.map((f) => ({
          field: f.name,
          type: f.type,
          nullable: f.nullable ? 'yes' : 'no',
        })),
        ['field', 'type', 'nullable'],
      );
    });
}
