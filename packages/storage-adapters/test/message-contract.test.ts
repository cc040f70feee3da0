/**
 * The message contract (docs/messages.md): the batch and task message bodies dsync puts on
 * RabbitMQ are described by the JSON Schemas docs/schemas/{batch,task}-message.v{FORMAT}.json,
 * and a consumer written in any language reads `format` to know which one applies.
 *
 * Why these tests fail when the body changes without the version changing:
 * - The body keys are listed below with types that make `tsc` fail when RecordBatch,
 *   QueuedTask or RequestArgs gain a key the list lacks (encodeBatch and encodeTask copy their
 *   fields one by one, so such a key is meant to travel).
 * - The keys the encoders produce, the listed keys and the schema's properties must be the
 *   same set: a key added to the encoder fails until the schema has it.
 * - A published version's schema never changes shape: its fingerprint (the schema without its
 *   descriptions) is pinned per version below. A schema edited to match a changed body fails
 *   until FORMAT in codec.ts is bumped and a new schema file (with its own pin) is added; the
 *   old file stays, for the consumers still reading old messages.
 */
import { describe, expect, it } from '@jest/globals';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  builtInCatalog,
  createRequestArgs,
  requestScope,
  type DataSource,
  type QueuedTask,
  type RecordBatch,
  type RequestArgs,
} from '@dsync/datasource';
import { createMemorySink } from '../src/memory-sink.js';
import {
  decodeBatch,
  decodeTask,
  encodeBatch,
  encodeTask,
  FORMAT,
  publishOptions,
  taskPublishOptions,
} from '../src/rabbitmq/codec.js';
import { consume } from '../src/rabbitmq/consumer.js';
import { createRabbitSink } from '../src/rabbitmq/sink.js';
import {
  deleteTopology,
  RABBITMQ_URL,
  topologyNames,
  useBroker,
  waitFor,
  withChannel,
} from './services.js';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');
const SCHEMAS = join(DOCS, 'schemas');
type Kind = 'batch' | 'task';
const schemaPath = (kind: Kind, format: number): string =>
  join(SCHEMAS, `${kind}-message.v${format}.json`);

interface Schema {
  readonly $id: string;
  readonly $schema: string;
  readonly additionalProperties: boolean;
  readonly required: readonly string[];
  readonly properties: Readonly<Record<string, Schema & { const?: unknown }>>;
}
const readSchema = (kind: Kind, format: number): Schema =>
  JSON.parse(readFileSync(schemaPath(kind, format), 'utf8')) as Schema;

/**
 * The shape of every published schema version, pinned: sha256 (first 16 hex digits) of the
 * schema without `title`, `description`, `$comment` and `$id`, keys sorted. Never edit a
 * pinned value: a changed body is a new version (see the top of this file).
 */
const PINNED: Readonly<Record<Kind, Readonly<Record<number, string>>>> = {
  batch: { 1: 'c66c6fc0270649f9' },
  task: { 1: 'c206c68c08f35f11' },
};

const ANNOTATIONS = new Set(['title', 'description', '$comment', '$id']);
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => !ANNOTATIONS.has(key))
      .sort()
      .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
  );
}
const fingerprint = (kind: Kind, format: number): string =>
  createHash('sha256')
    .update(JSON.stringify(shape(readSchema(kind, format))))
    .digest('hex')
    .slice(0, 16);

// Every key of each body. `Record<…, true>` makes tsc fail when the type gains a key not listed.
// A batch's `runId` is not in its body: it travels as the message's correlation id.
const BATCH_KEYS: Record<Exclude<keyof RecordBatch, 'runId'> | 'format', true> = {
  format: true,
  sourceId: true,
  argsKey: true,
  page: true,
  columns: true,
  rows: true,
  schemaVersion: true,
  fetchedAt: true,
  window: true,
  scope: true,
};
const TASK_KEYS: Record<keyof QueuedTask | 'format', true> = {
  format: true,
  runId: true,
  sourceId: true,
  args: true,
};
const TASK_ARGS_KEYS: Record<keyof RequestArgs, true> = {
  sourceId: true,
  api: true,
  params: true,
  key: true,
  asOf: true,
  window: true,
  settles: true,
};

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();
const bodyOf = (content: Buffer): Record<string, unknown> =>
  JSON.parse(content.toString('utf8')) as Record<string, unknown>;

const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
const batchSchema = readSchema('batch', FORMAT);
const taskSchema = readSchema('task', FORMAT);
ajv.addSchema(batchSchema).addSchema(taskSchema);
const validator = (ref: string): ValidateFunction => {
  const found = ajv.getSchema(ref);
  if (found === undefined) throw new Error(`no schema ${ref}`);
  return found;
};
const validBatch = validator(batchSchema.$id);
const validBatchHeaders = validator(`${batchSchema.$id}#/$defs/headers`);
const validDeadLetterHeaders = validator(`${batchSchema.$id}#/$defs/deadLetterHeaders`);
const validTask = validator(taskSchema.$id);
const validTaskHeaders = validator(`${taskSchema.$id}#/$defs/headers`);

/** The validator's verdict, with its errors in the failure message. */
const check = (validate: ValidateFunction, value: unknown): string =>
  validate(value) ? 'valid' : ajv.errorsText(validate.errors);

const catalog = (id: string): DataSource => {
  const source = builtInCatalog().get(id);
  if (source === undefined) throw new Error(`${id} is not in the catalog`);
  return source;
};
const daily = catalog('tushare.daily');
const income = catalog('tushare.income');

/** A batch as run-task.ts `deliver` builds it: window from the args, scope for replace-window. */
function batchOf(
  source: DataSource,
  args: RequestArgs,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  page = 0,
): RecordBatch {
  const scope =
    source.storage.writeMode === 'replace-window' ? requestScope(source, args.params) : {};
  return {
    sourceId: source.id,
    argsKey: args.key,
    page,
    columns,
    rows,
    schemaVersion: source.schemaVersion,
    fetchedAt: new Date().toISOString(),
    ...(args.window === undefined ? {} : { window: args.window }),
    ...(Object.keys(scope).length === 0 ? {} : { scope }),
  };
}

// A day of daily bars, as the Tushare client hands them over: the provider's numbers and dates.
const dailyArgs = createRequestArgs(
  daily.id,
  daily.api,
  { trade_date: '20240105', limit: 6000 },
  { window: { start: '2024-01-05', end: '2024-01-05' }, settles: '2024-01-08T12:00:00.000Z' },
);
const DAILY_COLUMNS = daily.fields.map((f) => f.name);
const dailyRows = [
  ['000001.SZ', '20240105', 9.38, 9.42, 9.21, 9.27, 9.38, -0.11, -1.1727, 1158366.45, 1075742.252],
  ['600000.SH', '20240105', 6.6, 6.65, 6.56, 6.6, 6.6, 0, 0, 382016.0, 252137.925],
  ['600519.SH', '20240105', 19.189999999999998, 19.2, 19.1, 19.15, 19.2, null, null, 1, 2],
];
// A page of an income statement (replace-window, scoped to its symbol and report type).
const incomeArgs = createRequestArgs(
  income.id,
  income.api,
  { ts_code: '600000.SH', period: '20231231', report_type: '1', limit: 6000, offset: 6000 },
  { window: { start: '2023-12-31', end: '2023-12-31' } },
);
const INCOME_COLUMNS = [
  'ts_code',
  'ann_date',
  'f_ann_date',
  'end_date',
  'report_type',
  'update_flag',
  'basic_eps',
];
const incomeRows = [['600000.SH', '20240425', '20240425', '20231231', '1', '1', 1.2]];

const batches = {
  daily: batchOf(daily, dailyArgs, DAILY_COLUMNS, dailyRows),
  income: batchOf(income, incomeArgs, INCOME_COLUMNS, incomeRows, 1),
  // A request without a date window (a snapshot): neither window nor scope.
  bare: {
    sourceId: 'tushare.stock_basic',
    argsKey: 'stock_basic?limit=6000@2024-01-05',
    page: 0,
    columns: ['ts_code', 'list_date'],
    rows: [['600000.SH', '19991110']],
    schemaVersion: 1,
    fetchedAt: '2024-01-05T12:00:00.000Z',
  } satisfies RecordBatch,
};

const tasks: Record<string, QueuedTask> = {
  daily: { runId: 'run-20240105120000-0a1b2c3d', sourceId: daily.id, args: dailyArgs },
  snapshot: {
    runId: 'run-20240105120000-0a1b2c3d',
    sourceId: 'tushare.stock_basic',
    args: createRequestArgs(
      'tushare.stock_basic',
      'stock_basic',
      { list_status: 'L', limit: 6000 },
      { asOf: '2024-01-05' },
    ),
  },
};

describe('the batch message against docs/schemas/batch-message.v{FORMAT}.json', () => {
  it('has a schema for the codec FORMAT, whose format is that const and which admits no other key', () => {
    expect(existsSync(schemaPath('batch', FORMAT))).toBe(true);
    expect(batchSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(batchSchema.properties.format?.const).toBe(FORMAT);
    expect(batchSchema.additionalProperties).toBe(false);
    expect(batchSchema.$id.endsWith(`/batch-message.v${FORMAT}.json`)).toBe(true);
  });

  it('validates real batches, with and without window and scope, and their headers', () => {
    expect(batches.daily.window).toBeDefined();
    expect(batches.daily.scope).toBeUndefined(); // upsert: the window travels, no scope
    expect(batches.income.scope).toEqual({ ts_code: '600000.SH', report_type: '1' });
    for (const batch of Object.values(batches)) {
      const content = encodeBatch(batch);
      expect(check(validBatch, bodyOf(content))).toBe('valid');
      expect(decodeBatch(content, 'application/json')).toEqual(batch);
      expect(check(validBatchHeaders, publishOptions(batch).headers)).toBe('valid');
    }
  });

  it('the encoder produces exactly the schema properties, required as the schema says', () => {
    const full = bodyOf(encodeBatch(batches.income));
    const bare = bodyOf(encodeBatch(batches.bare));
    expect(sorted(Object.keys(full))).toEqual(sorted(Object.keys(batchSchema.properties)));
    expect(sorted(Object.keys(BATCH_KEYS))).toEqual(sorted(Object.keys(batchSchema.properties)));
    expect(sorted(Object.keys(bare))).toEqual(sorted(batchSchema.required));
    // Copied field by field: what else a batch object holds does not travel.
    const extra = { ...batches.bare, worker: 'w1' } as RecordBatch;
    expect(sorted(Object.keys(bodyOf(encodeBatch(extra))))).toEqual(sorted(batchSchema.required));
    // The run goes beside the body, as the correlation id: the body and its schema stay.
    const ofRun = { ...batches.bare, runId: 'run-2024' };
    expect(bodyOf(encodeBatch(ofRun))).toEqual(bare);
    expect(publishOptions(ofRun).correlationId).toBe('run-2024');
    expect(publishOptions(batches.bare).correlationId).toBeUndefined();
  });

  it('refuses every body the decoder refuses (the schema is at least as strict)', () => {
    const body = bodyOf(encodeBatch(batches.income));
    const { sourceId: _sourceId, ...withoutSource } = body;
    const bad: Record<string, unknown>[] = [
      { ...body, format: FORMAT + 1 },
      withoutSource,
      { ...body, sourceId: '' },
      { ...body, argsKey: 5 },
      { ...body, page: -1 },
      { ...body, page: 1.5 },
      { ...body, columns: [1] },
      { ...body, rows: [1] },
      { ...body, schemaVersion: '1' },
      { ...body, fetchedAt: 0 },
      { ...body, window: { start: 1, end: '2024-01-05' } },
      { ...body, window: '2024-01-05' },
      { ...body, scope: { ts_code: ['600000.SH'] } },
    ];
    for (const wire of bad) {
      const content = Buffer.from(JSON.stringify(wire));
      expect(() => decodeBatch(content)).toThrow(/undecodable batch message/);
      expect(validBatch(wire)).toBe(false);
    }
    // A key the schema does not know is a new format, not a silent addition.
    expect(validBatch({ ...body, note: 'x' })).toBe(false);
  });
});

describe('the task message against docs/schemas/task-message.v{FORMAT}.json', () => {
  it('has a schema for the codec FORMAT, whose format is that const and which admits no other key', () => {
    expect(existsSync(schemaPath('task', FORMAT))).toBe(true);
    expect(taskSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(taskSchema.properties.format?.const).toBe(FORMAT);
    expect(taskSchema.additionalProperties).toBe(false);
    expect(taskSchema.properties.args?.additionalProperties).toBe(false);
  });

  it('validates real tasks and their headers; the encoder produces exactly the schema properties', () => {
    for (const task of Object.values(tasks)) {
      const content = encodeTask(task);
      expect(check(validTask, bodyOf(content))).toBe('valid');
      expect(decodeTask(content, 'application/json')).toEqual(task);
      expect(check(validTaskHeaders, taskPublishOptions(task).headers)).toBe('valid');
    }
    const body = bodyOf(encodeTask(tasks.daily as QueuedTask));
    const snapshot = bodyOf(encodeTask(tasks.snapshot as QueuedTask));
    const argsSchema = taskSchema.properties.args as Schema;
    expect(sorted(Object.keys(body))).toEqual(sorted(Object.keys(taskSchema.properties)));
    expect(sorted(Object.keys(TASK_KEYS))).toEqual(sorted(Object.keys(taskSchema.properties)));
    const argKeys = new Set([
      ...Object.keys(body.args as object),
      ...Object.keys(snapshot.args as object),
    ]);
    expect(sorted(argKeys)).toEqual(sorted(Object.keys(argsSchema.properties)));
    expect(sorted(Object.keys(TASK_ARGS_KEYS))).toEqual(sorted(Object.keys(argsSchema.properties)));
    expect(validTask({ ...body, worker: 'w1' })).toBe(false);
  });
});

describe('versions', () => {
  it.each(['batch', 'task'] as const)(
    'every %s schema version keeps the shape pinned for it; changing the body means a new FORMAT',
    (kind) => {
      const files = readdirSync(SCHEMAS).filter((name) => name.startsWith(`${kind}-message.v`));
      const versions = Object.keys(PINNED[kind]).map(Number);
      // Old versions stay (consumers may still hold their messages); none is ahead of the codec.
      expect(sorted(files)).toEqual(sorted(versions.map((v) => `${kind}-message.v${v}.json`)));
      expect(Math.max(...versions)).toBe(FORMAT);
      for (const version of versions) {
        const shape = fingerprint(kind, version);
        if (shape !== PINNED[kind][version])
          throw new Error(
            `docs/schemas/${kind}-message.v${version}.json changed shape (now ${shape}, pinned ` +
              `${PINNED[kind][version]}). A published version never changes: restore it, and for a ` +
              `new body bump FORMAT in codec.ts to ${FORMAT + 1}, add ${kind}-message.v${FORMAT + 1}.json ` +
              `with its pin here, and document the change in docs/messages.md.`,
          );
      }
    },
  );

  it('docs/messages.md documents the current version', () => {
    const doc = readFileSync(join(DOCS, 'messages.md'), 'utf8');
    expect(doc).toContain(`schemas/batch-message.v${FORMAT}.json`);
    expect(doc).toContain(`schemas/task-message.v${FORMAT}.json`);
    expect(doc).toContain(`"format": ${FORMAT}`);
  });
});

describe('on the wire (RabbitMQ)', () => {
  useBroker();

  it('a published batch, and its dead letter, match the schema: body, properties, headers', async () => {
    const names = topologyNames();
    const producer = createRabbitSink({ url: RABBITMQ_URL, ...names });
    // A consumer that knows no source: it dead-letters what it takes, with x-dsync-error.
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: createMemorySink(),
      sources: () => undefined,
    });
    try {
      await producer.write(batches.daily, daily);
      await producer.write(batches.income, income);
      const live = await withChannel(RABBITMQ_URL, async (channel) => [
        await channel.get(names.queue, { noAck: true }),
        await channel.get(names.queue, { noAck: true }),
      ]);
      for (const [i, batch] of [batches.daily, batches.income].entries()) {
        const message = live[i];
        if (message === undefined || message === false) throw new Error(`batch ${i} not queued`);
        expect(check(validBatch, bodyOf(message.content))).toBe('valid');
        expect(check(validBatchHeaders, message.properties.headers)).toBe('valid');
        expect(message.fields).toMatchObject({
          exchange: names.exchange,
          routingKey: batch.sourceId,
        });
        expect(message.properties).toMatchObject({
          contentType: 'application/json',
          deliveryMode: 2,
          messageId: `${batch.sourceId}|${batch.argsKey}|${batch.page}`,
        });
      }

      await consumer.ready();
      await producer.write(batches.daily, daily);
      await waitFor(() => consumer.stats().deadLettered === 1, 'the batch dead-lettered');
      const dead = await withChannel(RABBITMQ_URL, (channel) =>
        channel.get(`${names.queue}.dead`, { noAck: true }),
      );
      if (dead === false) throw new Error('nothing on the dead-letter queue');
      expect(check(validBatch, bodyOf(dead.content))).toBe('valid');
      expect(check(validDeadLetterHeaders, dead.properties.headers)).toBe('valid');
      expect(dead.properties.headers).toEqual({
        'x-dsync-source': daily.id,
        'x-dsync-schema-version': daily.schemaVersion,
        'x-dsync-error': `unknown source "${daily.id}"`,
        'x-dsync-attempts': 1,
      });
      expect(dead.properties.messageId).toBe(publishOptions(batches.daily).messageId);
    } finally {
      await consumer.close();
      await producer.close();
      await deleteTopology(RABBITMQ_URL, names);
    }
  }, 30_000);
});
