import type { Field } from '@dsync/datasource';

/** Which answered columns a source keeps, under which local names. */
export interface ColumnPlan {
  /** Local names of the kept columns, in the answer's order. */
  readonly names: readonly string[];
  /** Index in the answer of each kept column. */
  readonly picks: readonly number[];
  /** Remote names of the columns no field names (dropped). */
  readonly dropped: readonly string[];
}

/** The remote name of each field: its `from`, else its own name. */
export const remoteNames = (fields: readonly Field[]): string[] =>
  fields.map((field) => field.from ?? field.name);

/** Maps the answered columns to the source's fields; a column no field names is dropped. */
export function planColumns(remote: readonly string[], fields: readonly Field[]): ColumnPlan {
  const localOf = new Map<string, string>();
  for (const field of fields) {
    const name = field.from ?? field.name;
    if (!localOf.has(name)) localOf.set(name, field.name);
  }
  const names: string[] = [];
  const picks: number[] = [];
  const dropped: string[] = [];
  const taken = new Set<string>();
  remote.forEach((column, index) => {
    const local = localOf.get(column);
    if (local === undefined || taken.has(local)) dropped.push(column);
    else {
      taken.add(local);
      names.push(local);
      picks.push(index);
    }
  });
  return { names, picks, dropped };
}

/** The rows cut to the plan's columns; the same arrays when every column is kept in place. */
export function projectRows(
  rows: readonly (readonly unknown[])[],
  plan: ColumnPlan,
): readonly (readonly unknown[])[] {
  if (plan.dropped.length === 0 && plan.picks.every((pick, i) => pick === i)) return rows;
  return rows.map((row) => plan.picks.map((pick) => row[pick]));
}
