import { DefinitionError, type DefinitionIssue } from './errors.js';
import { dataSourceSchema, type DataSource, type DataSourceInput } from './schema/data-source.js';
import { toDefinitionIssues } from './schema/issues.js';

export interface ParseOptions {
  /** Where the definition sits in its file, prefixed to every issue path (e.g. `['sources', 3]`). */
  readonly path?: readonly (string | number)[];
}

const idOf = (input: unknown): string | undefined =>
  typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string'
    ? (input as { id: string }).id
    : undefined;

function issuesOf(
  input: unknown,
  path: readonly (string | number)[],
): DefinitionIssue[] | DataSource {
  const result = dataSourceSchema.safeParse(input, { reportInput: true });
  return result.success ? result.data : toDefinitionIssues(result.error, path);
}

/**
 * Validates an untyped definition (from a config file) and resolves its defaults.
 * @throws DefinitionError naming the source id and the path of every bad field.
 */
export function parseDataSource(input: unknown, options: ParseOptions = {}): DataSource {
  const result = issuesOf(input, options.path ?? []);
  if (Array.isArray(result)) throw new DefinitionError(idOf(input), result);
  return result;
}

/** Validates every definition of a list and reports all their issues at once. */
export function parseDataSources(
  inputs: readonly unknown[],
  options: ParseOptions = {},
): DataSource[] {
  const sources: DataSource[] = [];
  const issues: DefinitionIssue[] = [];
  const failed: (string | undefined)[] = [];
  inputs.forEach((input, i) => {
    const result = issuesOf(input, [...(options.path ?? []), i]);
    if (Array.isArray(result)) {
      issues.push(...result);
      failed.push(idOf(input));
    } else sources.push(result);
  });
  if (issues.length > 0)
    throw new DefinitionError(failed.length === 1 ? failed[0] : undefined, issues);
  return sources;
}

/** Defines a source in code, typed: the same validation as a config file, failing at load time. */
export function defineDataSource(definition: DataSourceInput): DataSource {
  return parseDataSource(definition);
}
