import type { CliContext } from '../context.js';
import type { Logger } from '../output/logger.js';
import type { ConnectionWatch } from './connection-watch.js';
import { startEndpoint } from './endpoint.js';
import type { MetricsServer } from './metrics-server.js';
import type { WorkerMetricsSource } from './metrics.js';
import { armStopDeadline, WORKER_STOP_MS } from './stop-time.js';

/** The flags both roles take for their reports and their endpoint. */
export interface SessionFlags {
  /** Seconds between report lines. */
  readonly reportEvery: number;
  /** Where /metrics and /healthz are served; none without it. */
  readonly metricsPort?: number;
  readonly metricsHost: string;
}

export interface SessionOptions {
  readonly context: CliContext;
  readonly logger: Logger;
  readonly flags: SessionFlags;
  readonly source: WorkerMetricsSource;
  readonly connections: ConnectionWatch;
  /** Prints (and logs) one report line. */
  readonly report: () => Promise<void>;
  /** The worker's output, prefixed with its name. */
  readonly out: (line: string) => void;
}

/** A running worker's common parts: the report timer, the endpoint, the stop's bound. */
export interface Session {
  /** Resolves at the first Ctrl-C or SIGTERM, with the stop's bound armed from then. */
  interrupted(): Promise<void>;
  /** Ends the reports and the endpoint, and stops hearing the connections. */
  close(): Promise<void>;
}

/**
 * Starts what both roles share: a report line every `--report-every` seconds, the endpoint on
 * `--metrics-port`, and, once interrupted, the stop's bound (`WORKER_STOP_MS`): past it, the
 * process exits whatever still hangs.
 */
export async function startSession(options: SessionOptions): Promise<Session> {
  const { context, logger, flags, source, connections, out } = options;
  let stopping = false;
  let reporting = false;
  const timer = setInterval(() => {
    if (reporting) return; // a report waiting on a slow broker: skip a beat, never pile up
    reporting = true;
    options
      .report()
      .catch((error: unknown) =>
        logger.warn({ err: error, worker: source.worker }, 'report failed'),
      )
      .finally(() => (reporting = false));
  }, flags.reportEvery * 1000);
  timer.unref();
  let endpoint: MetricsServer | undefined;
  if (flags.metricsPort !== undefined) {
    endpoint = await startEndpoint({
      host: flags.metricsHost,
      port: flags.metricsPort,
      source,
      connections,
      stopping: () => stopping,
    });
    logger.info({ worker: source.worker, url: endpoint.url }, 'metrics and health served');
    context.stderr.write(
      `${source.worker}: metrics at ${endpoint.url}/metrics, health at ${endpoint.url}/healthz\n`,
    );
  }
  return {
    interrupted: () =>
      new Promise<void>((resolve) => {
        const remove = context.onInterrupt(() => {
          remove();
          stopping = true;
          armStopDeadline(
            () => context.exit(0),
            () => {
              logger.warn(
                { worker: source.worker, held: source.held() },
                `stop time (${WORKER_STOP_MS / 1000} s) reached: exiting now`,
              );
              out(
                `stop time (${WORKER_STOP_MS / 1000} s) reached: exiting now; the broker takes back what was still held as the connection closes`,
              );
            },
          );
          resolve();
        });
      }),
    async close() {
      clearInterval(timer);
      connections.close();
      await endpoint?.close();
    },
  };
}
