import { hostname } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { fetchRole } from '../worker/fetch-role.js';
import { WORKER_STOP_MS } from '../worker/stop-time.js';
import { storeRole } from '../worker/store-role.js';
import { positiveInt } from './options.js';

interface WorkerFlags {
  readonly prefetch?: number;
  readonly connectTimeout: number;
  readonly fetch?: boolean;
  readonly name?: string;
  readonly every: number;
  readonly reportEvery: number;
  readonly metricsPort?: number;
  readonly metricsHost: string;
}

/** Seconds between report lines, by default: often enough to see a stall, rare enough to read. */
const DEFAULT_REPORT_EVERY_S = 60;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError(
      `--metrics-port takes a port number (0 to 65535), got "${value}"`,
    );
  return n;
}

export function registerWorkerCommand(program: Command, context: CliContext): void {
  program
    .command('worker')
    .description(
      'write batches from the RabbitMQ queue (config: queue) into the storage, until Ctrl-C; ' +
        'with --fetch, fetch the tasks dsync sync queued in distributed mode (config: distributed)',
    )
    .option('--fetch', 'be a fetch worker: take tasks from the task queue, send rows to the queue')
    .option(
      '--prefetch <n>',
      'unacked batches (default 16), or with --fetch tasks (default: the accounts’ maxConcurrent), held at a time',
      positiveInt('--prefetch'),
    )
    .option(
      '--name <name>',
      'the worker’s name in logs, metrics, connection names and (with --fetch) the ledger (default: host:pid)',
    )
    .option(
      '--every <n>',
      'with --fetch: print a line every n tasks settled',
      positiveInt('--every'),
      100,
    )
    .option(
      '--report-every <seconds>',
      'print and log (info) a report line every so many seconds',
      positiveInt('--report-every'),
      DEFAULT_REPORT_EVERY_S,
    )
    .option(
      '--metrics-port <port>',
      'serve /metrics (Prometheus) and /healthz on this port (0: any free one); none by default',
      port,
    )
    .option(
      '--metrics-host <address>',
      'the address --metrics-port listens on (0.0.0.0 for a Prometheus on another machine)',
      '127.0.0.1',
    )
    .option(
      '--connect-timeout <ms>',
      'how long to try reaching the broker',
      positiveInt('--connect-timeout'),
      30_000,
    )
    .addHelpText(
      'after',
      `
Two roles (see docs/deployment.md):
  dsync worker            stores the rows that sync or fetch workers send through queue:
  dsync worker --fetch    fetches the tasks dsync sync queued (config: distributed), within
                          the accounts' limits shared by every fetch worker through Redis;
                          pauses at a daily limit until it resets

Both print (and log at info) a report every --report-every seconds: a fetch worker its tasks
done, dropped, failed and requeued, rows, calls per limit scope and the task queue's depth; a
storing worker its batches stored, rows, retried, dead-lettered and the data queue's depth.
Each connection lost (RabbitMQ, Redis) is printed and logged at warn, its return at info.
With --metrics-port, GET /metrics serves Prometheus metrics labelled with --name, and
GET /healthz answers 200, or 503 with the reasons while a connection is lost or it stops.

Ctrl-C (SIGTERM) stops a worker within ${WORKER_STOP_MS / 1000} s: requests in flight are cut off, what it
holds goes back to the queue (and is printed), and it exits 0.`,
    )
    .action(async (flags: WorkerFlags) => {
      const name = flags.name ?? `${hostname()}:${process.pid}`;
      const session = {
        name,
        reportEvery: flags.reportEvery,
        metricsHost: flags.metricsHost,
        ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
        ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
      };
      if (flags.fetch === true) await fetchRole(context, { ...session, every: flags.every });
      else await storeRole(context, { ...session, connectTimeout: flags.connectTimeout });
    });
}
