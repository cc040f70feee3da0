import type { DataSource } from '../schema/data-source.js';
import type { Scalar } from '../schema/primitives.js';

/**
 * Rows of one answer page, column-ordered as the provider sent them (Tushare `fields` +
 * `items`), named by local field names. A batch is the unit of delivery: it travels to a
 * sink whole, and its idempotency key (source, args key, page) makes a redelivery harmless.
 */
export interface RecordBatch {
  readonly sourceId: string;
  /** The key of the request args this page answers. */
  readonly argsKey: string;
  /** 0 for the first page of an answer, then 1, 2, … for its continuations. */
  readonly page: number;
  /** Local field names, in the order of each row's cells. */
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /** The source definition's schemaVersion when the batch was fetched. */
  readonly schemaVersion: number;
  /** ISO timestamp of the answer. */
  readonly fetchedAt: string;
  /** The request's date window, for `replace-window` writes. */
  readonly window?: { readonly start: string; readonly end: string };
  /**
   * The other fields the request fixed (a fan-out's `ts_code`, a statement's `report_type`):
   * a `replace-window` write replaces only the rows of its window that have these values.
   */
  readonly scope?: Readonly<Record<string, Scalar>>;
  /**
   * The run that fetched it. A queue sink sends it beside the body (header `x-dsync-run`), so
   * that the consumer that stores the batch can mark its task stored in that run
   * (`CheckpointStore.markStored`).
   */
  readonly runId?: string;
}

/**
 * The fields a request fixes besides its date window: its parameters that name a field of
 * the source and are not dates (the window covers those). A `replace-window` write deletes
 * only rows with these values, so one key's answer never replaces another key's rows.
 */
export function requestScope(
  source: Pick<DataSource, 'fields'>,
  params: Readonly<Record<string, Scalar>>,
): Record<string, Scalar> {
  const scope: Record<string, Scalar> = {};
  for (const field of source.fields) {
    const value = params[field.from ?? field.name];
    if (value !== undefined && field.type !== 'date' && field.type !== 'datetime')
      scope[field.name] = value;
  }
  return scope;
}

/** `sourceId|argsKey|page`: the message id on a queue and the dedup key in a sink. */
export function batchIdempotencyKey(
  batch: Pick<RecordBatch, 'sourceId' | 'argsKey' | 'page'>,
): string {
  return `${batch.sourceId}|${batch.argsKey}|${batch.page}`;
}
