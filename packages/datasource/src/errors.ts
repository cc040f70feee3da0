/**
 * Errors of the DataSource domain. Every dsync error extends {@link DsyncError}: a stable
 * string `code` to branch on, the root error as `cause`, and the context a caller needs to
 * act. Messages never carry secrets.
 */
export class DsyncError extends Error {
  /** A stable code, e.g. `E_DEFINITION`; listed in the package README. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem in a definition: where (a config path such as `sources[3].fields[2].type`) and what. */
export interface DefinitionIssue {
  readonly path: string;
  readonly message: string;
}

/** A data source definition failed validation. */
export class DefinitionError extends DsyncError {
  readonly sourceId: string | undefined;
  readonly issues: readonly DefinitionIssue[];

  constructor(sourceId: string | undefined, issues: readonly DefinitionIssue[]) {
    const what =
      sourceId === undefined ? 'data source definition' : `data source ${quoteId(sourceId)}`;
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    super('E_DEFINITION', `Invalid ${what}:\n${lines.join('\n')}`);
    this.sourceId = sourceId;
    this.issues = issues;
  }
}

const SHOWN_ID_LENGTH = 80;

/**
 * An id as an error shows it: quoted, control characters escaped (a newline, a NUL or a
 * terminal escape sequence in an id must not reach the terminal raw), and cut after 80
 * characters with its length, since an id of 10,000 characters helps no one.
 */
export function quoteId(id: string): string {
  if (id.length <= SHOWN_ID_LENGTH) return JSON.stringify(id);
  return `${JSON.stringify(id.slice(0, SHOWN_ID_LENGTH)).slice(0, -1)}…" (${id.length} characters)`;
}

/** No source with this id is registered (or in the catalog). */
export class UnknownSourceError extends DsyncError {
  readonly sourceId: string;
  readonly suggestions: readonly string[];
  /** Who asked for it, e.g. `tushare.daily (args.calendar)`; undefined for a direct lookup. */
  readonly referencedBy: string | undefined;

  constructor(sourceId: string, suggestions: readonly string[], referencedBy?: string) {
    const hint =
      suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '';
    const where = referencedBy === undefined ? '' : ` (referenced by ${referencedBy})`;
    super('E_UNKNOWN_SOURCE', `Unknown data source ${quoteId(sourceId)}${where}.${hint}`);
    this.sourceId = sourceId;
    this.suggestions = suggestions;
    this.referencedBy = referencedBy;
  }
}

/** Two definitions claim the same id. */
export class DuplicateSourceError extends DsyncError {
  readonly sourceId: string;

  constructor(sourceId: string) {
    super('E_DUPLICATE_SOURCE', `Data source ${quoteId(sourceId)} is defined more than once.`);
    this.sourceId = sourceId;
  }
}

/** Sources depend on each other in a circle; `cycle` starts and ends with the same id. */
export class DependencyCycleError extends DsyncError {
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(
      'E_DEPENDENCY_CYCLE',
      `Data sources depend on each other in a cycle: ${cycle.join(' -> ')}.`,
    );
    this.cycle = cycle;
  }
}
