import { describe, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DsyncError, type DataSource, type RecordBatch, type Sink } from '@dsync/datasource';
import { contractText, sinkContract, toStoredRows, type StoredRow } from '../src/index.js';

// --- The example adapter of the README ("Writing your own adapter"), verbatim. ---

/** Keeps each source's rows by primary key in one JSON file, replaced atomically on every write. */
export function createJsonSnapshotSink(dir: string): Sink {
  const tables = new Map<string, Map<string, StoredRow>>();
  let closed = false;
  return {
    name: `json-snapshot:${dir}`,
    ready: () => Promise.resolve(),
    async write(batch: RecordBatch, source: DataSource) {
      if (closed) throw new DsyncError('E_SINK_CLOSED', 'json-snapshot: write after close');
      const rows = toStoredRows(batch, source); // checks every row first: a bad batch writes nothing
      const table = tables.get(source.id) ?? new Map<string, StoredRow>();
      for (const row of rows) table.set(JSON.stringify(source.primaryKey.map((k) => row[k])), row);
      const file = join(dir, `${source.storage.table}.json`);
      await writeFile(`${file}.tmp`, JSON.stringify([...table.values()]));
      await rename(`${file}.tmp`, file); // durable before write resolves; a crash leaves the old file
      tables.set(source.id, table);
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

// --- The contract suite over it. ---

describe('the README’s example adapter meets the Sink contract', () => {
  for (const c of sinkContract(() => {
    const dir = mkdtempSync(join(tmpdir(), 'dsync-example-'));
    const rows = (source: DataSource) => {
      const file = join(dir, `${source.storage.table}.json`);
      const stored = existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[])
        : [];
      return Promise.resolve(stored.map(contractText));
    };
    return Promise.resolve({
      sink: createJsonSnapshotSink(dir),
      rows,
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  })) {
    it(c.name, () => c.run());
  }
});
