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
}

/** `sourceId|argsKey|page`: the message id on a queue and the dedup key in a sink. */
export function batchIdempotencyKey(
  batch: Pick<RecordBatch, 'sourceId' | 'argsKey' | 'page'>,
): string {
  return `${batch.sourceId}|${batch.argsKey}|${batch.page}`;
}
