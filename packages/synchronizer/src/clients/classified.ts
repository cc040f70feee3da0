import type { DataSource } from '@dsync/datasource';
import type { Outcome, Suspect } from '../outcome.js';
import { planColumns, projectRows } from './columns.js';
import type { FetchResult } from './provider-client.js';

/** What a classifier makes of an answer, before the source's fields are applied. */
export interface Classified {
  readonly outcome: Outcome;
  readonly detail?: string;
  /** For `rows`: the column names as the provider sent them. */
  readonly remoteColumns?: readonly string[];
  readonly rows?: readonly (readonly unknown[])[];
  readonly nextCursor?: string | null;
}

/** Shorthand for the outcomes that carry a message: the detail doubles as the message. */
export const failed = (
  kind: 'bad-argument' | 'transient' | 'auth' | 'permission' | 'unknown',
  detail: string,
): Classified => ({ outcome: { kind, message: detail }, detail });

/** A refusal of the request, with what the answer blames. */
export const refused = (suspect: Suspect, detail: string): Classified => ({
  outcome: { kind: 'bad-argument', message: detail, suspect },
  detail,
});

/** A success answer: rows, or empty when there are none. */
export function answered(
  remoteColumns: readonly string[],
  rows: readonly (readonly unknown[])[],
  nextCursor?: string | null,
): Classified {
  const cursor = nextCursor === undefined ? {} : { nextCursor };
  return rows.length === 0
    ? { outcome: { kind: 'empty' }, ...cursor }
    : { outcome: { kind: 'rows', rows: rows.length }, remoteColumns, rows, ...cursor };
}

/** The classified answer as the engine gets it: columns under the source's local names. */
export function toFetchResult(
  classified: Classified,
  source: DataSource,
  status: number,
): FetchResult {
  const { outcome, detail, remoteColumns, rows, nextCursor } = classified;
  const cursor = nextCursor === undefined ? {} : { nextCursor };
  if (outcome.kind !== 'rows' || remoteColumns === undefined || rows === undefined) {
    return { outcome, ...(detail === undefined ? {} : { detail }), ...cursor, status };
  }
  const plan = planColumns(remoteColumns, source.fields);
  if (plan.names.length === 0) {
    // Storing rows without one known column would lose them silently: the definition is wrong.
    const message = `none of the answered columns (${remoteColumns.join(', ')}) is a field of ${source.id}`;
    return { outcome: { kind: 'unknown', message }, detail: message, status };
  }
  return {
    outcome,
    columns: plan.names,
    rows: projectRows(rows, plan),
    ...cursor,
    ...(plan.dropped.length === 0
      ? {}
      : { detail: `dropped columns no field names: ${plan.dropped.join(', ')}` }),
    status,
  };
}
