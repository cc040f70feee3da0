import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDirectory } from '@dsync/datasource';

/** Temp files start with a dot and end in `.tmp`, so a reader listing a folder can skip them. */
const TEMP_SUFFIX = '.tmp';

// Some filesystems (network mounts, Windows) cannot open or fsync a directory: there a
// rename is as durable as the OS makes it, and failing the write would only loop retries.
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !DIR_SYNC_UNSUPPORTED.has(code)) throw error;
  } finally {
    await handle?.close();
  }
}

/** The directories whose entries changed when `created` … `dir` were made: parent of each. */
function parentsToSync(dir: string, created: string | undefined): string[] {
  if (created === undefined) return [];
  const parents: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    parents.push(dirname(current));
    if (current === created || dirname(current) === current) return parents;
  }
}

/**
 * Writes `data` to `dir/name` so the file is either the old one or the whole new one, and
 * durable when this resolves: written to a temp file in the same folder (same filesystem,
 * so the rename is atomic), fsync'ed, renamed over the final name, then the folder fsync'ed
 * so the rename itself survives a crash. On failure the temp file is removed.
 */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array): Promise<void> {
  const created = await makeDirectory(dir);
  // Random, so concurrent writes of one batch never share a temp file; the last rename wins
  // and every candidate holds the same rows.
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, name));
  } catch (error) {
    // The write's own error is the one worth reporting, not a failed clean-up after it.
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  for (const parent of parentsToSync(dir, created)) await syncDirectory(parent);
}
