import { BatchRejectedError } from '../errors.js';
import {
  batchIdempotencyKey,
  DsyncError,
  type QueuedTask,
  type RecordBatch,
} from '@dsync/datasource';
import type { Options } from 'amqplib';

export const CONTENT_TYPE = 'application/json';
/** The source id of the batch. */
export const HEADER_SOURCE = 'x-dsync-source';
/** The source definition's schemaVersion when the batch was fetched. */
export const HEADER_SCHEMA_VERSION = 'x-dsync-schema-version';
/** Why a batch was dead-lettered. */
export const HEADER_ERROR = 'x-dsync-error';
/** How often the consumer tried to write a dead-lettered batch. */
export const HEADER_ATTEMPTS = 'x-dsync-attempts';

/**
 * The version of the batch and task message bodies (their `format` field): bumped whenever
 * either body's shape changes, so a consumer can tell old messages from new. Each version's
 * JSON Schemas are `docs/schemas/batch-message.v{FORMAT}.json` and `task-message.v{FORMAT}.json`
 * (see docs/messages.md); test/message-contract.test.ts fails when the body and its schema part.
 */
export const FORMAT = 1;

/** The message body: the batch as it is, rows as arrays in the order of `columns`. */
interface WireBatch extends RecordBatch {
  readonly format: typeof FORMAT;
}

/**
 * The batch as a JSON message body.
 * @throws BatchRejectedError when a cell is not JSON-serialisable (a bigint): retrying
 *   cannot help, the batch itself is wrong
 */
export function encodeBatch(batch: RecordBatch): Buffer {
  const wire: WireBatch = {
    format: FORMAT,
    sourceId: batch.sourceId,
    argsKey: batch.argsKey,
    page: batch.page,
    columns: batch.columns,
    rows: batch.rows,
    schemaVersion: batch.schemaVersion,
    fetchedAt: batch.fetchedAt,
    ...(batch.window === undefined ? {} : { window: batch.window }),
    ...(batch.scope === undefined ? {} : { scope: batch.scope }),
  };
  try {
    return Buffer.from(JSON.stringify(wire), 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BatchRejectedError(
      batch.sourceId,
      0,
      undefined,
      `not serialisable as JSON: ${reason}`,
    );
  }
}

/**
 * Persistent, with the idempotency key as message id, so a consumer can dedupe by it, and the
 * run that fetched it as correlation id.
 */
export function publishOptions(batch: RecordBatch): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    contentType: CONTENT_TYPE,
    messageId: batchIdempotencyKey(batch),
    timestamp: Math.floor(Date.now() / 1000),
    headers: {
      [HEADER_SOURCE]: batch.sourceId,
      [HEADER_SCHEMA_VERSION]: batch.schemaVersion,
    },
    // The run that fetched it, beside the body: `dsync worker` marks the task stored in that
    // run once the rows are committed (`CheckpointStore.markStored`).
    ...(batch.runId === undefined ? {} : { correlationId: batch.runId }),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isWindow = (value: unknown): boolean =>
  isObject(value) && typeof value.start === 'string' && typeof value.end === 'string';

const isIndex = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

function problemOf(wire: Record<string, unknown>): string | undefined {
  if (wire.format !== FORMAT) return `unknown format ${JSON.stringify(wire.format)}`;
  if (typeof wire.sourceId !== 'string' || wire.sourceId === '') return 'no sourceId';
  if (typeof wire.argsKey !== 'string') return 'no argsKey';
  if (!isIndex(wire.page)) return 'page is not a whole number';
  if (!Array.isArray(wire.columns) || !wire.columns.every((c) => typeof c === 'string'))
    return 'columns is not a list of names';
  if (!Array.isArray(wire.rows) || !wire.rows.every((row) => Array.isArray(row)))
    return 'rows is not a list of arrays';
  if (!isIndex(wire.schemaVersion)) return 'schemaVersion is not a whole number';
  if (typeof wire.fetchedAt !== 'string') return 'no fetchedAt';
  if (wire.window !== undefined && !isWindow(wire.window)) return 'window is not { start, end }';
  if (wire.scope !== undefined && !isScope(wire.scope))
    return 'scope is not an object of strings, numbers and booleans';
  return undefined;
}

/**
 * A message body parsed as JSON: an object, sent as JSON (or without a content type).
 * @throws DsyncError `E_BAD_MESSAGE` `undecodable {what} message: …`
 */
function parseBody(
  what: string,
  content: Buffer,
  contentType: unknown,
  problemOf: (wire: Record<string, unknown>) => string | undefined,
): Record<string, unknown> {
  const fail = (why: string): DsyncError =>
    new DsyncError('E_BAD_MESSAGE', `undecodable ${what} message: ${why}`);
  if (contentType !== undefined && contentType !== CONTENT_TYPE)
    throw fail(`content type ${JSON.stringify(contentType)}, expected ${CONTENT_TYPE}`);
  let wire: unknown;
  try {
    wire = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw fail(error instanceof Error ? error.message : 'not JSON');
  }
  if (!isObject(wire)) throw fail('not a JSON object');
  const problem = problemOf(wire);
  if (problem !== undefined) throw fail(problem);
  return wire;
}

/**
 * A message body back as a batch.
 * @throws DsyncError `E_BAD_MESSAGE` when it is not a batch this code wrote: a permanent
 *   failure, the consumer dead-letters it
 */
export function decodeBatch(content: Buffer, contentType?: unknown): RecordBatch {
  const wire = parseBody('batch', content, contentType, problemOf);
  const { format: _format, ...batch } = wire as unknown as WireBatch;
  return batch;
}

// Tasks of the task queue: `{ format, runId, sourceId, args }`.

/** The fields of a task and of its args that travel; anything else is left behind. */
const taskFields = (task: QueuedTask): QueuedTask => {
  const { args } = task;
  return {
    runId: task.runId,
    sourceId: task.sourceId,
    args: {
      sourceId: args.sourceId,
      api: args.api,
      params: args.params,
      key: args.key,
      ...(args.asOf === undefined ? {} : { asOf: args.asOf }),
      ...(args.window === undefined
        ? {}
        : { window: { start: args.window.start, end: args.window.end } }),
      ...(args.settles === undefined ? {} : { settles: args.settles }),
    },
  };
};

/**
 * The task as a JSON message body.
 * @throws DsyncError `E_BAD_MESSAGE` when it would not decode (a NaN parameter, no runId)
 */
export function encodeTask(task: QueuedTask): Buffer {
  const wire = { format: FORMAT, ...taskFields(task) };
  const problem = taskProblemOf(wire);
  if (problem !== undefined)
    throw new DsyncError(
      'E_BAD_MESSAGE',
      `task of run "${task.runId}" cannot be queued: ${problem}`,
    );
  return Buffer.from(JSON.stringify(wire), 'utf8');
}

/** Persistent JSON, with `runId|key` as message id and the source id in `x-dsync-source`. */
export function taskPublishOptions(task: QueuedTask): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    contentType: CONTENT_TYPE,
    messageId: `${task.runId}|${task.args.key}`,
    timestamp: Math.floor(Date.now() / 1000),
    headers: { [HEADER_SOURCE]: task.sourceId },
  };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

function isScalar(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function isScope(value: unknown): boolean {
  return isObject(value) && Object.values(value).every(isScalar);
}

function taskProblemOf(wire: Record<string, unknown>): string | undefined {
  if (wire.format !== FORMAT) return `unknown format ${JSON.stringify(wire.format)}`;
  if (!isText(wire.runId)) return 'no runId';
  if (!isText(wire.sourceId)) return 'no sourceId';
  const { args } = wire;
  if (!isObject(args)) return 'args is not an object';
  if (!isText(args.sourceId)) return 'no args.sourceId';
  if (!isText(args.api)) return 'no args.api';
  if (!isText(args.key)) return 'no args.key';
  if (!isObject(args.params) || !Object.values(args.params).every(isScalar))
    return 'args.params is not an object of strings, numbers and booleans';
  if (args.asOf !== undefined && typeof args.asOf !== 'string') return 'args.asOf is not a date';
  if (args.window !== undefined && !isWindow(args.window))
    return 'args.window is not { start, end }';
  if (args.settles !== undefined && typeof args.settles !== 'string')
    return 'args.settles is not a time';
  return undefined;
}

/**
 * A message body back as a task; only the known fields are kept.
 * @throws DsyncError `E_BAD_MESSAGE` when it is not a task this code wrote
 */
export function decodeTask(content: Buffer, contentType?: unknown): QueuedTask {
  return taskFields(
    parseBody('task', content, contentType, taskProblemOf) as unknown as QueuedTask,
  );
}
