import { basename, dirname, relative, resolve } from 'node:path';
import {
  DsyncError,
  makeDirectory,
  type DataSource,
  type RecordBatch,
  type Sink,
} from '@dsync/datasource';
import { StorageError } from '../errors.js';
import { toStoredRows, type StoredRow } from '../values.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeParquet } from './encode-parquet.js';
import { encodeCsv, encodeJsonl } from './encode-text.js';
import {
  fileName,
  partitionSegment,
  resolveInside,
  tableSegment,
  type FilePartition,
} from './paths.js';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];
export const FILE_PARTITIONS: readonly FilePartition[] = ['date', 'key', 'none'];

export interface FileSinkOptions {
  /** The folder everything is written under; a relative path is resolved against the cwd. */
  readonly root: string;
  /** @default 'csv' */
  readonly format?: FileFormat;
  /**
   * How a source's files are grouped: `date` by the month the batch's window starts in
   * (`2024-01/`), `key` by the sanitised args key, `none` not at all.
   * @default 'date' for a batch with a window, 'none' for one without
   */
  readonly partition?: FilePartition;
}

/**
 * A sink that writes each batch to its own file: `root/<storage.table>/[<partition>/]<name>`,
 * one file per task key and page, so a redelivered batch replaces its file instead of adding
 * rows. Files are written whole and renamed into place, so a reader never sees half a file.
 */
export interface FileSink extends Sink {
  /** The absolute root folder. */
  readonly root: string;
  readonly format: FileFormat;
  /**
   * The absolute path a batch is stored at.
   * @throws DsyncError `E_UNSAFE_PATH` when the source or batch names a path outside the root
   */
  pathOf(batch: RecordBatch, source: DataSource): string;
}

type Encoder = (
  rows: readonly StoredRow[],
  source: DataSource,
  batch: RecordBatch,
) => Uint8Array | Promise<Uint8Array>;

const ENCODERS: Readonly<Record<FileFormat, Encoder>> = {
  csv: encodeCsv,
  jsonl: encodeJsonl,
  parquet: encodeParquet,
};

const EXTENSIONS: Readonly<Record<FileFormat, string>> = {
  csv: 'csv',
  jsonl: 'jsonl',
  parquet: 'parquet',
};

function checkOptions(options: FileSinkOptions): Required<Omit<FileSinkOptions, 'partition'>> {
  const bad = (message: string) => new DsyncError('E_SINK_OPTIONS', `File sink: ${message}`);
  const { root, format = 'csv', partition } = options;
  if (typeof root !== 'string' || root.trim() === '' || root.includes('\0')) {
    throw bad('root must be a folder path');
  }
  if (!FILE_FORMATS.includes(format)) {
    throw bad(`format must be one of ${FILE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  if (partition !== undefined && !FILE_PARTITIONS.includes(partition)) {
    throw bad(
      `partition must be one of ${FILE_PARTITIONS.join(', ')}, got ${JSON.stringify(partition)}`,
    );
  }
  return { root: resolve(root), format };
}

/**
 * Creates a file sink writing CSV, JSON Lines or Parquet under `options.root`.
 * @throws DsyncError `E_SINK_OPTIONS` for a missing root or an unknown format or partition
 */
export function createFileSink(options: FileSinkOptions): FileSink {
  const { root, format } = checkOptions(options);
  const name = `files:${format}:${root}`;
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const closedError = () => new DsyncError('E_SINK_CLOSED', `${name}: write after close`);

  const pathOf = (batch: RecordBatch, source: DataSource): string => {
    const partition = options.partition ?? (batch.window === undefined ? 'none' : 'date');
    const folder = partitionSegment(partition, batch, source);
    const segments = [tableSegment(source), ...(folder === undefined ? [] : [folder])];
    return resolveInside(root, [...segments, fileName(batch, EXTENSIONS[format])], source.id);
  };

  const store = async (batch: RecordBatch, source: DataSource): Promise<void> => {
    // Everything that can refuse the batch runs before the filesystem is touched.
    const target = pathOf(batch, source);
    const data = await ENCODERS[format](toStoredRows(batch, source), source, batch);
    try {
      await writeFileAtomic(dirname(target), basename(target), data);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new StorageError(name, `cannot write ${relative(root, target)}: ${why}`, {
        cause: error,
      });
    }
  };

  return {
    name,
    root,
    format,
    pathOf,
    async ready() {
      if (closed) throw closedError();
      try {
        await makeDirectory(root);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new StorageError(name, `cannot create the root folder: ${why}`, { cause: error });
      }
    },
    async write(batch, source) {
      if (closed) throw closedError();
      const task = store(batch, source);
      inFlight.add(task);
      try {
        await task;
      } finally {
        inFlight.delete(task);
      }
    },
    async close() {
      closed = true;
      // A write already started was promised to the caller; let it land before reporting closed.
      await Promise.allSettled([...inFlight]);
    },
  };
}
