/**
 * The message contract from the other side (docs/messages.md): the example consumer in
 * Python (examples/python-consumer/consume.py, Debian's python3-pika) reads the batches of a
 * real `dsync sync` off RabbitMQ and stores exactly the ground truth, and its conversions
 * are dsync's own (packages/storage-adapters/src/values.ts).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DataSourceRegistry,
  FIELD_TYPES,
  type FieldInput,
  type RecordBatch,
} from '@dsync/datasource';
import { groundTruth, Market } from '@dsync/sandbox';
import { toStoredRows } from '@dsync/storage-adapters';
import {
  dsync,
  freshVhost,
  marketOver,
  startSandbox,
  TOKEN_ENV,
  useProjects,
} from './e2e-helpers.js';

const run = promisify(execFile);

/** Debian's interpreter, where apt's python3-pika lands (a pyenv python3 on PATH lacks it). */
const PYTHON = '/usr/bin/python3';
const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'python-consumer');
const CONSUMER = join(EXAMPLE, 'consume.py');

beforeAll(async () => {
  try {
    await run(PYTHON, ['-c', 'import pika']);
  } catch (error) {
    throw new Error(
      `${PYTHON} cannot import pika, which the example consumer needs: ` +
        `run apt-get install -y python3-pika (.ci/run does). ${(error as Error).message}`,
      { cause: error },
    );
  }
});

/** The consumer's one line of counts on stdout. */
interface Counts {
  readonly batches: number;
  readonly rows: number;
  readonly deadLettered: number;
}

describe('the Python example consumer', () => {
  const project = useProjects();

  it('stores the batches of a real sync exactly as the ground truth; what it cannot store is dead-lettered', async () => {
    const start = '2024-01-01';
    const end = '2024-02-29';
    const { market, range, days } = marketOver('cli-python-consumer', 5, start, end);
    const queue = `dsync.python.${process.pid}.${randomBytes(4).toString('hex')}`;
    // A virtual host of its own: the queue, its dead-letter queue and the exchange go with it.
    const [sandbox, vhost] = await Promise.all([startSandbox(market), freshVhost()]);
    try {
      const dir = project({
        'dsync.config.yaml': `
storage: sqlite:data/dsync.db
queue: { url: "${vhost.url}", exchange: ${queue}.exchange, queue: ${queue} }
accounts:
  tushare:
    token: \${TUSHARE_TOKEN}
    baseUrl: ${sandbox.url}
    limits: { perMinute: 6000, maxConcurrent: 4 }
sources:
  - tushare.trade_cal
  - tushare.daily
`,
      });
      const sync = await dsync(dir, ['sync', ...range], TOKEN_ENV);
      expect(sync.code).toBe(0);

      // The consumer learns the table from dsync itself; it is given daily's definition only.
      const shown = await dsync(dir, ['sources', 'show', 'tushare.daily', '--json'], TOKEN_ENV);
      expect(shown.code).toBe(0);
      writeFileSync(join(dir, 'daily.json'), shown.stdout);
      const database = join(dir, 'python.sqlite');
      // One batch per open day, and the calendar's, which dsync publishes too.
      const { stdout, stderr } = await run(
        PYTHON,
        [
          CONSUMER,
          ...['--url', vhost.url, '--queue', queue, '--source', join(dir, 'daily.json')],
          ...['--db', database, '--count', String(days + 1), '--idle-timeout', '20'],
        ],
        { timeout: 60_000 },
      );
      const counts = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Counts;

      const truth = [
        ...groundTruth(new Market(market)).tushare('daily', {
          start_date: start.replaceAll('-', ''),
          end_date: end.replaceAll('-', ''),
        }),
      ];
      expect(counts).toEqual({ batches: days, rows: truth.length, deadLettered: 1 });
      // The calendar's batch: a source it was not given, dead-lettered as dsync's worker does.
      expect(stderr).toMatch(
        /^dead-lettered tushare\.trade_cal\|trade_cal\?[^:]*\|0: unknown source "tushare\.trade_cal"$/m,
      );

      // What the replica sent over JSON, stored as dsync stores it: dates as YYYY-MM-DD.
      const daily = DataSourceRegistry.load(['tushare.daily']).get('tushare.daily');
      const sent = JSON.parse(JSON.stringify(truth)) as Record<string, unknown>[];
      const isoDate = (value: unknown) =>
        typeof value === 'string' ? value.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3') : value;
      const keyOf = (row: Record<string, unknown>) =>
        `${row.ts_code as string}|${row.trade_date as string}`;
      const expected = sent
        .map((row) =>
          Object.fromEntries(
            daily.fields.map((f) => {
              const value = row[f.from ?? f.name] ?? null;
              return [f.name, f.type === 'date' ? isoDate(value) : value];
            }),
          ),
        )
        // As SQLite's ORDER BY compares text: by code points.
        .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
      const db = new Database(database, { readonly: true });
      try {
        const stored = db
          .prepare(`select * from ${daily.storage.table} order by ts_code, trade_date`)
          .all();
        expect(stored).toHaveLength(truth.length);
        // Same keys, same values: toEqual compares numbers with Object.is, doubles exactly.
        expect(stored).toEqual(expected);
      } finally {
        db.close();
      }
      const vhostName = new URL(vhost.url).pathname.slice(1);
      const listing = [
        '-q',
        'list_queues',
        '--no-table-headers',
        '-p',
        vhostName,
        'name',
        'messages',
      ];
      const { stdout: queues } = await run('rabbitmqctl', listing);
      // Nothing left on the queue; the calendar's batch on the dead-letter queue.
      expect(queues.split('\n').filter(Boolean).sort()).toEqual(
        [`${queue}\t0`, `${queue}.dead\t1`].sort(),
      );
    } finally {
      await Promise.all([sandbox.close(), vhost.remove()]);
    }
  }, 120_000);

  it("converts cells as dsync does (values.ts), on every field type's awkward values", async () => {
    const fields: FieldInput[] = [
      { name: 'k', type: 'string', nullable: false },
      ...FIELD_TYPES.map((type) => ({ name: `f_${type}`, type })),
      { name: 'f_money', type: 'decimal', precision: 10, scale: 2 },
    ];
    const registry = DataSourceRegistry.load([
      { id: 'example.cells', provider: 'tushare', api: 'cells', fields, primaryKey: ['k'] },
    ]);
    const source = registry.get('example.cells');
    const values: unknown[] = [
      ...[0, 1, -1, 1.5, 0.1, 0.30000000000000004, 19.189999999999998, 1e21, 1e-7, 1.5e-7],
      ...[123456789012345680000, 2 ** 53, 2 ** 53 + 2, 0.000001, 12.34565, -12.34565, 0.00005],
      ...[-0.00004, 99999999.995, 1e16, 123e-20, 1158366.45, 1075742.252],
      ...['12', ' 7 ', '1e3', '0x1A', '1.', '.5', '', 'abc', '000001', '-0.00001', '1.23456789e5'],
      ...['12345678901234567890.5', '20240105', '2024-01-05', '2024-02-30', '20241301'],
      ...['2024-01-02 03:04:05', '2024-01-02T03:04:05+08:00', '2024-01-02T03:04:05.1239Z'],
      ...['2024-01-02', 'Y', 'N', 'true', 'false', '0', '1', true, false, null],
      [1, 'a', { b: 2, 1: 'x' }],
      { z: 1.0, 2: [0.5], a: null },
    ];
    const cases = fields.slice(1).flatMap((field) =>
      values.map((value) => {
        const batch: RecordBatch = {
          ...{ sourceId: source.id, argsKey: 'cells', page: 0, schemaVersion: 1 },
          ...{ columns: ['k', field.name], rows: [['key', value]], fetchedAt: '' },
        };
        try {
          return {
            column: field.name,
            value,
            stored: toStoredRows(batch, source)[0]?.[field.name],
          };
        } catch (error) {
          return { column: field.name, value, error: (error as Error).message };
        }
      }),
    );
    const dir = project({
      'source.json': JSON.stringify(source),
      'cases.json': JSON.stringify(cases),
    });
    // The example's own functions, on the same cells: a stored value (bool as 1/0) or the reason.
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(EXAMPLE)})
import consume
source = consume.Source(json.load(open("source.json")))
out = []
for case in consume.parse_body(open("cases.json", "rb").read()):
    batch = {"columns": ["k", case["column"]], "rows": [["key", case.get("value")]]}
    try:
        out.append({"stored": source.stored_rows(batch)[0][case["column"]]})
    except consume.Rejected as rejected:
        out.append({"error": str(rejected)})
print(json.dumps(out))
`;
    const { stdout } = await run(PYTHON, ['-c', script], { cwd: dir });
    const python = JSON.parse(stdout) as { stored?: unknown; error?: string }[];
    const differences = cases.flatMap((c, i) => {
      const js =
        'error' in c
          ? { error: c.error }
          : { stored: typeof c.stored === 'boolean' ? Number(c.stored) : c.stored };
      return JSON.stringify(js) === JSON.stringify(python[i]) ? [] : [{ ...c, python: python[i] }];
    });
    // Every cell converts to the same value, or is refused with the same reason.
    expect(differences).toEqual([]);
    expect(cases.length).toBeGreaterThan(400);
  });
});
