import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { builtInCatalog, type DataSource, type RecordBatch } from '@dsync/datasource';
import { createFileSink, type FilePartition } from '../src/files/index.js';
import { resolveInside, sanitizeSegment } from '../src/files/paths.js';
import { listFiles, removeDir, tempDir } from './services.js';

const daily: DataSource = (() => {
  const found = builtInCatalog().get('tushare.daily');
  if (found === undefined) throw new Error('tushare.daily is missing from the catalog');
  return found;
})();

const batch = (argsKey: string, extra: Partial<RecordBatch> = {}): RecordBatch => ({
  sourceId: 'tushare.daily',
  argsKey,
  page: 0,
  columns: ['ts_code', 'trade_date', 'close'],
  rows: [['000001.SZ', '20240102', 10.5]],
  schemaVersion: 1,
  fetchedAt: '2024-01-02T10:00:00.000Z',
  ...extra,
});

const HOSTILE = ['../../etc', 'a/b', 'C:\\x', '\u0000', '..', '.', '/etc/passwd', 'con', ''];

let base: string;
let root: string;
beforeEach(async () => {
  base = await tempDir('dsync-file-paths-');
  root = join(base, 'data');
});
afterEach(() => removeDir(base));

describe('file sink path safety', () => {
  it.each<FilePartition>(['key', 'none'])(
    'keeps hostile args keys inside the root, one file each (partition %s)',
    async (partition) => {
      const sink = createFileSink({ root, partition, format: 'jsonl' });
      for (const key of HOSTILE) await sink.write(batch(key), daily);
      const files = await listFiles(base);
      expect(files).toHaveLength(HOSTILE.length);
      for (const file of files) {
        expect(file).toMatch(
          /^data\/tushare_daily\/([A-Za-z0-9_=-][A-Za-z0-9._=-]*\/)?[^/]+\.jsonl$/,
        );
        const name = file.split('/').pop() ?? '';
        expect(name).toMatch(/^tushare\.daily_[A-Za-z0-9._=-]*_p0\.[0-9a-f]{16}\.jsonl$/);
        expect(await readFile(join(base, file), 'utf8')).toContain('"ts_code":"000001.SZ"');
      }
      if (partition === 'key') {
        expect((await readdir(join(root, 'tushare_daily'))).sort()).toEqual(
          ['C_x', '_', '_.._etc', '_con', '_etc_passwd', 'a_b'].sort(),
        );
      }
    },
  );

  it.each(['../../etc', 'a/b', 'C:\\x', '\u0000', '..', 'tushare daily'])(
    'refuses a table named %j with E_UNSAFE_PATH naming the source, writing nothing',
    async (table) => {
      const hostile: DataSource = { ...daily, storage: { ...daily.storage, table } };
      const sink = createFileSink({ root });
      await expect(sink.write(batch('daily?trade_date=20240102'), hostile)).rejects.toMatchObject({
        code: 'E_UNSAFE_PATH',
        message: expect.stringContaining(`"tushare.daily"`),
      });
      await expect(sink.write(batch('x'), hostile)).rejects.toThrow(JSON.stringify(table));
      expect(await readdir(base)).toEqual([]);
    },
  );

  it('refuses a window start that is not a date under date partitioning', async () => {
    const sink = createFileSink({ root });
    const window = { start: '../../2024-01-02', end: '2024-01-02' };
    await expect(sink.write(batch('daily', { window }), daily)).rejects.toMatchObject({
      code: 'E_UNSAFE_PATH',
    });
    expect(await readdir(base)).toEqual([]);
  });

  it('checks the joined path once more, whatever the segments', () => {
    expect(resolveInside(root, ['t', 'f.csv'], 's')).toBe(join(root, 't', 'f.csv'));
    for (const segments of [['..', 'x'], ['t', '../../x'], ['/etc'], ['a\u0000'], ['C:x'], []]) {
      expect(() => resolveInside(root, segments, 'test.source')).toThrow(
        expect.objectContaining({
          code: 'E_UNSAFE_PATH',
          message: expect.stringContaining('test.source'),
        }),
      );
    }
  });

  it('gives keys that sanitise alike their own files', async () => {
    const sink = createFileSink({ root, partition: 'key' });
    for (const key of ['daily?a=1', 'daily&a=1', 'daily a=1', 'DAILY?a=1']) {
      await sink.write(batch(key), daily);
    }
    expect(await listFiles(root)).toHaveLength(4);
  });

  it('cuts long keys to a bounded name ending in a hash, distinct per key', async () => {
    const long = (n: number) =>
      `daily?ts_code=${Array.from({ length: 400 }, (_, i) => `${i}.SZ`).join('%2C')}&v=${n}`;
    const sink = createFileSink({ root, partition: 'key' });
    await sink.write(batch(long(1)), daily);
    await sink.write(batch(long(2)), daily);
    const files = await listFiles(root);
    expect(files).toHaveLength(2);
    for (const file of files) {
      for (const segment of file.split('/')) expect(segment.length).toBeLessThanOrEqual(140);
    }
    expect(new Set(files.map((f) => f.split('/')[1])).size).toBe(2);
  });
});

describe('sanitizeSegment', () => {
  it('keeps portable names and rewrites the rest', () => {
    expect(sanitizeSegment('daily_trade_date=20240102')).toBe('daily_trade_date=20240102');
    expect(sanitizeSegment('daily?trade_date=20240102')).toBe('daily_trade_date=20240102');
    expect(sanitizeSegment('../../etc')).toBe('_.._etc');
    expect(sanitizeSegment('...')).toBe('_');
    expect(sanitizeSegment('NUL.txt')).toBe('_NUL.txt');
    expect(sanitizeSegment('x'.repeat(300))).toMatch(/^x{103}\.[0-9a-f]{16}$/);
  });
});
