import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  batchIdempotencyKey,
  DsyncError,
  type DataSource,
  type RecordBatch,
} from '@dsync/datasource';

/**
 * Where a batch's file lives under the sink's root. Every segment is either checked
 * (the table name) or derived through {@link sanitizeSegment} (args keys, which are
 * arbitrary text), and the joined path is checked to be inside root once more, so nothing
 * a definition or a batch says can point a write elsewhere.
 */

/** How files of one source are grouped into folders. */
export type FilePartition = 'date' | 'key' | 'none';

/** The folder of batches that have no window when `partition: 'date'` was asked for. */
export const UNDATED_PARTITION = 'undated';

/** Characters kept as they are: portable on every common filesystem, and no path syntax. */
const UNSAFE_RUN = /[^A-Za-z0-9._=-]+/g;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const WINDOW_DATE = /^(\d{4})-?(0[1-9]|1[0-2])-?\d{2}$/;
// Windows refuses these as file names whatever the extension; escaping them keeps a root
// copyable to any OS with the same layout.
const DEVICE_NAME = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;
const HASH_LENGTH = 16;
/** Well under the 255 bytes most filesystems allow a name, with room for a temp suffix. */
const MAX_SEGMENT = 120;

export const shortHash = (text: string): string =>
  createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);

/**
 * A portable name from arbitrary text: runs of anything but letters, digits and `._=-`
 * become `_`, leading and trailing dots go (no `.`, `..`, hidden files or names Windows
 * trims), device names get a `_` prefix, and a name longer than `max` is cut and ends in
 * a sha256 prefix of the whole text, so long keys stay apart.
 */
export function sanitizeSegment(text: string, max = MAX_SEGMENT): string {
  let name = text.replace(UNSAFE_RUN, '_').replace(/^\.+/, '').replace(/\.+$/, '');
  if (name === '') name = '_';
  if (DEVICE_NAME.test(name)) name = `_${name}`;
  if (name.length > max) name = `${name.slice(0, max - HASH_LENGTH - 1)}.${shortHash(text)}`;
  return name;
}

export const unsafePath = (sourceId: string, segment: string, why: string): DsyncError =>
  new DsyncError(
    'E_UNSAFE_PATH',
    `File sink: source "${sourceId}" would write outside its folder: ` +
      `${JSON.stringify(segment)} ${why}`,
  );

/**
 * The source's folder name: its `storage.table`. The datasource schema only admits
 * identifiers there; a table that is not one came around validation, and is refused rather
 * than renamed, since a renamed table would put rows where nobody looks for them.
 */
export function tableSegment(source: DataSource): string {
  const table = source.storage.table;
  if (!TABLE_NAME.test(table)) throw unsafePath(source.id, table, 'is not a table name');
  return DEVICE_NAME.test(table) ? `_${table}` : table;
}

/**
 * The partition folder of a batch, or none.
 * - `date`: the month the batch's window starts in (`2024-01`): months keep folder counts
 *   small for daily data (about 21 trade dates each) and a window never splits across
 *   folders, since its whole file goes under its start. A batch without a window goes
 *   under {@link UNDATED_PARTITION}: a date taken from `fetchedAt` would move a re-fetched
 *   task to another folder and leave its old file behind.
 * - `key`: the sanitised args key; keys that sanitise alike share a folder, their files
 *   stay apart (see {@link fileName}).
 */
export function partitionSegment(
  partition: FilePartition,
  batch: RecordBatch,
  source: DataSource,
): string | undefined {
  if (partition === 'none') return undefined;
  if (partition === 'key') return sanitizeSegment(batch.argsKey);
  if (batch.window === undefined) return UNDATED_PARTITION;
  const start = batch.window.start;
  const match = WINDOW_DATE.exec(start);
  if (match === null) throw unsafePath(source.id, start, 'is not a window start date');
  return `${match[1]}-${match[2]}`;
}

/**
 * One name per task key and page: the sanitised idempotency key (source, args key, page)
 * for people, then a sha256 prefix of the raw key. The hash is always there, not only for
 * long keys: sanitising is lossy (`a?b` and `a&b` both read `a_b`), and two tasks sharing a
 * file would overwrite each other's rows.
 */
export function fileName(batch: RecordBatch, extension: string): string {
  const readable = sanitizeSegment(`${batch.sourceId}_${batch.argsKey}_p${batch.page}`, 96);
  return `${readable}.${shortHash(batchIdempotencyKey(batch))}.${extension}`;
}

/**
 * `root` joined with `segments`, after checking each segment is a plain name and the
 * result lies strictly inside root.
 * @throws DsyncError `E_UNSAFE_PATH` naming the source and the offending segment
 */
export function resolveInside(root: string, segments: readonly string[], sourceId: string): string {
  for (const segment of segments) {
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      /[/\\:\0]/.test(segment) ||
      isAbsolute(segment)
    ) {
      throw unsafePath(sourceId, segment, 'is not a plain file name');
    }
  }
  const target = resolve(root, ...segments);
  const rel = relative(root, target);
  if (rel === '' || isAbsolute(rel) || rel.split(sep)[0] === '..') {
    throw unsafePath(sourceId, segments.join('/'), 'resolves outside the root');
  }
  return target;
}
