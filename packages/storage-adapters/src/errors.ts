import { DsyncError } from '@dsync/datasource';

/** A batch was refused whole: one of its rows does not fit the source's fields. Nothing of it was written. */
export class BatchRejectedError extends DsyncError {
  readonly sourceId: string;
  /** The row's position in the batch, from 0. */
  readonly row: number;
  readonly field: string | undefined;

  constructor(sourceId: string, row: number, field: string | undefined, reason: string) {
    super(
      'E_BAD_ROW',
      `Batch of "${sourceId}" rejected: row ${row}${field === undefined ? '' : `, field ${field}`}: ${reason}`,
    );
    this.sourceId = sourceId;
    this.row = row;
    this.field = field;
  }
}

/** The storage could not be reached or refused the write; the task stays pending. */
export class StorageError extends DsyncError {
  /** Where, without credentials: `postgres://localhost:5432/test`. */
  readonly target: string;

  constructor(target: string, message: string, options?: { cause?: unknown }) {
    super('E_STORAGE', `${target}: ${message}`, options);
    this.target = target;
  }
}
