import { describe, expect, it } from '@jest/globals';
import { BatchRejectedError } from '../src/errors.js';
import { createRequestArgs } from '@dsync/datasource';
import {
  decodeBatch,
  decodeTask,
  encodeBatch,
  encodeTask,
  publishOptions,
} from '../src/rabbitmq/codec.js';
import { redactText, redactUrl } from '@dsync/datasource';
import { dailyBatch } from './services.js';

describe('the task message codec', () => {
  const args = createRequestArgs(
    'tushare.daily',
    'daily',
    { trade_date: '20240105', limit: 2 },
    {
      window: { start: '2024-01-05', end: '2024-01-05' },
      // When the day settles travels with it: a worker's answer before then is asked again.
      settles: '2024-01-08T12:00:00.000Z',
    },
  );
  const task = { runId: 'run-7', sourceId: 'tushare.daily', args };

  it('round-trips a task and keeps only the fields it knows', () => {
    expect(decodeTask(encodeTask(task), 'application/json')).toEqual(task);
    const wire = JSON.parse(encodeTask(task).toString()) as Record<string, unknown>;
    const extra = { ...wire, worker: 'w1', args: { ...args, extra: true } };
    expect(decodeTask(Buffer.from(JSON.stringify(extra)))).toEqual(task);
  });

  it('refuses what is not a task, saying why', () => {
    const wire = JSON.parse(encodeTask(task).toString()) as Record<string, unknown>;
    const decode = (value: unknown) => () => decodeTask(Buffer.from(JSON.stringify(value)));
    expect(decode({ ...wire, format: 2 })).toThrow('undecodable task message: unknown format 2');
    expect(decode({ ...wire, runId: '' })).toThrow('undecodable task message: no runId');
    expect(decode({ ...wire, args: { ...args, params: { a: [1] } } })).toThrow(/args.params/);
    expect(decode({ ...wire, args: { ...args, window: '2024' } })).toThrow(/args.window/);
    expect(decode({ ...wire, args: { ...args, settles: 5 } })).toThrow(/args.settles/);
    expect(() => encodeTask({ ...task, args: { ...args, params: { limit: Infinity } } })).toThrow(
      'task of run "run-7" cannot be queued: args.params is not an object of strings, numbers and booleans',
    );
  });
});

describe('the batch message codec', () => {
  it('round-trips a batch, window and scope included, and names it by its idempotency key', () => {
    const batch = {
      ...dailyBatch(3),
      window: { start: '2024-01-05', end: '2024-01-05' },
      scope: { ts_code: '600000.SH', report_type: '1' },
    };
    expect(decodeBatch(encodeBatch(batch), 'application/json')).toEqual(batch);
    expect(publishOptions(batch)).toMatchObject({
      persistent: true,
      messageId: 'tushare.daily|daily?trade_date=20240105|0',
      headers: { 'x-dsync-source': 'tushare.daily', 'x-dsync-schema-version': 1 },
    });
  });

  it('refuses what it did not write, saying why', () => {
    const decode = (text: string, type?: string) => () => decodeBatch(Buffer.from(text), type);
    expect(decode('nope')).toThrow(/undecodable batch message/);
    expect(decode('[]')).toThrow(/not a JSON object/);
    expect(decode('{"format":2}')).toThrow(/unknown format 2/);
    const wire = JSON.parse(encodeBatch(dailyBatch(0)).toString()) as Record<string, unknown>;
    expect(decode(JSON.stringify({ ...wire, page: -1 }))).toThrow(/page/);
    expect(decode(JSON.stringify({ ...wire, rows: [1] }))).toThrow(/rows/);
    expect(decode(JSON.stringify({ ...wire, scope: { ts_code: [1] } }))).toThrow(
      'undecodable batch message: scope is not an object of strings, numbers and booleans',
    );
    expect(decode(JSON.stringify(wire), 'text/csv')).toThrow(/content type "text\/csv"/);
  });

  it('rejects a batch that JSON cannot carry as a bad batch, not a broker failure', () => {
    const batch = { ...dailyBatch(0), rows: [[10n]] };
    expect(() => encodeBatch(batch)).toThrow(BatchRejectedError);
  });
});

describe('redaction', () => {
  it('hides the password of a URL and wherever it turns up in a text', () => {
    const url = 'amqp://dsync:p%40ss-w0rd@mq.example:5672/prod';
    expect(redactUrl(url)).toBe('amqp://dsync:***@mq.example:5672/prod');
    expect(redactUrl('amqp://mq.example')).toBe('amqp://mq.example');
    expect(redactText(`failed at ${url}; password p@ss-w0rd; other amqp://a:b@c`, url)).toBe(
      'failed at amqp://dsync:***@mq.example:5672/prod; password ***; other amqp://a:***@c',
    );
  });

  it('hides tokens as they are, and leaves a URL without a password (and short words) alone', () => {
    const token = 'a1b2c3d4e5f6a7b8c9d0';
    expect(
      redactText(`token ${token} refused; db sqlite:dsync.db`, token, 'sqlite:dsync.db', 'ab'),
    ).toBe('token *** refused; db sqlite:dsync.db');
  });
});
