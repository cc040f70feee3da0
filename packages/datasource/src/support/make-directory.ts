import { mkdir, stat } from 'node:fs/promises';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p` that always ends. Node's `mkdir(…, { recursive: true })` spins forever, at full
 * CPU, where a folder's parent exists but the kernel answers ENOENT for the folder itself
 * (any path under /proc, a dangling symlink): it reads ENOENT as "make the parent first",
 * and the parent always exists. Here each missing folder is made once, from the nearest
 * existing ancestor down, and the first failure is final.
 * @returns the first folder created, or undefined when `dir` existed (as `mkdir` does)
 */
export async function makeDirectory(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (let current = resolve(dir); !(await exists(current)); current = dirname(current)) {
    if (dirname(current) === current) break;
    missing.unshift(current);
  }
  // Already there: recursive mkdir cannot loop on it, and says EEXIST when it is a file.
  if (missing.length === 0) return mkdir(dir, { recursive: true });
  let first: string | undefined;
  for (const folder of missing) {
    try {
      await mkdir(folder);
      first ??= folder;
    } catch (error) {
      // Made meanwhile by another writer: fine if it is a folder.
      if (!isCode(error, 'EEXIST') || !(await stat(folder)).isDirectory()) throw error;
    }
  }
  return first;
}

/** {@link makeDirectory}, synchronously. */
export function makeDirectorySync(dir: string): string | undefined {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    if (dirname(current) === current) break;
    missing.unshift(current);
  }
  if (missing.length === 0) return mkdirSync(dir, { recursive: true });
  let first: string | undefined;
  for (const folder of missing) {
    try {
      mkdirSync(folder);
      first ??= folder;
    } catch (error) {
      if (!isCode(error, 'EEXIST') || !statSync(folder).isDirectory()) throw error;
    }
  }
  return first;
}

const isCode = (error: unknown, code: string): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === code;

/** Whether something is at `path` (a file too: making a folder under it then fails clearly). */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

function existsSync(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}
