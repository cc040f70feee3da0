import { systemClock, type Clock, type DataSourceRegistry } from '@dsync/datasource';
import type { SyncController } from '@dsync/synchronizer';
import Fastify, { type FastifyInstance } from 'fastify';
import { EventHub } from '../live/event-stream.js';
import { publishLive } from '../live/live-publisher.js';
import { RateSeries } from '../live/rate-series.js';
import { RunLauncher } from '../live/run-launcher.js';
import { RunTracker } from '../live/run-tracker.js';
import { createMetrics } from '../metrics/metrics.js';
import { actionRoutes } from '../routes/actions.js';
import type { RouteContext } from '../routes/context.js';
import { ledgerRoutes } from '../routes/ledger.js';
import { runRoutes } from '../routes/run.js';
import { sourceRoutes } from '../routes/sources.js';
import { sourceViews } from '../views/source-views.js';
import { assertSafeBind, hasAccess } from './access.js';
import { sendApiError, sendNotFound } from './errors.js';
import { harden, scrubberOf } from './hardening.js';
import { defaultUiRoot, serveUi } from './static-ui.js';

export interface WebServerOptions {
  readonly controller: SyncController;
  /** The registry the controller was built with. */
  readonly registry: DataSourceRegistry;
  /** @default "127.0.0.1": reachable from this machine only */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /**
   * Required beyond loopback (16 characters at least); when set, every request must carry it
   * as `Authorization: Bearer <token>` or as the password of HTTP Basic.
   */
  readonly accessToken?: string;
  /** Credentials (provider tokens, database URLs) scrubbed from every answer; the access token always is. */
  readonly secrets?: readonly string[];
  /** The built UI's folder. @default this package's `dist/ui` */
  readonly uiRoot?: string;
  /** Where background failures (a run that threw, a quota read) are reported. @default ignored */
  readonly onError?: (error: unknown) => void;
  /**
   * dsync's clock, in ms: give the controller's (`SyncControllerOptions.clock`). What is
   * published, how far behind, stale or due, and the next scheduled run are judged by it.
   * @default the system clock
   */
  readonly clock?: Clock;
}

export interface WebServer {
  /** Starts listening and returns the base URL. */
  listen(): Promise<string>;
  /** Cancels a run it started and waits for it, ends event streams, stops listening. */
  close(): Promise<void>;
  /** The underlying Fastify instance, for tests (`inject`). */
  readonly fastify: FastifyInstance;
}

/**
 * The web interface's HTTP server over a Sync Controller: the API of `api/contract.ts`, the
 * live event stream, Prometheus metrics and the built UI, behind the access rules.
 * @throws DsyncError `E_UNSAFE_BIND` beyond loopback without a long enough token
 */
export function createWebServer(options: WebServerOptions): WebServer {
  const host = options.host ?? '127.0.0.1';
  const { accessToken, controller, registry } = options;
  assertSafeBind(host, accessToken);
  const onError = options.onError ?? (() => undefined);
  const clock = options.clock ?? systemClock;
  const scrub = scrubberOf([
    ...(options.secrets ?? []),
    ...(accessToken === undefined ? [] : [accessToken]),
  ]);

  const fastify = Fastify({ logger: false });
  if (accessToken !== undefined) requireToken(fastify, accessToken);
  harden(fastify, scrub);
  fastify.setErrorHandler(sendApiError);
  fastify.setNotFoundHandler(sendNotFound);

  const tracker = new RunTracker(controller.events);
  const series = new RateSeries();
  const context: RouteContext = {
    controller,
    registry,
    tracker,
    series,
    launcher: new RunLauncher(controller, tracker, onError),
    hub: new EventHub(scrub),
    clock,
  };
  const stopSeries = series.follow(controller.events);
  const stopLive = publishLive({
    tracker,
    hub: context.hub,
    quota: () => controller.quota(),
    sources: () => sourceViews(controller, registry, new Date(clock())),
    onError,
  });
  const metrics = createMetrics(controller, registry, clock);

  fastify.get('/api/health', () => ({ status: 'ok' }));
  sourceRoutes(fastify, context);
  ledgerRoutes(fastify, context);
  runRoutes(fastify, context);
  actionRoutes(fastify, context);
  fastify.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  serveUi(fastify, options.uiRoot ?? defaultUiRoot());

  fastify.addHook('preClose', async () => {
    // A run this server started is cancelled and checkpointed before the server goes.
    if (context.launcher.busy) controller.cancel();
    await context.launcher.settled();
    context.hub.closeAll();
  });
  fastify.addHook('onClose', (_instance, done) => {
    stopLive();
    stopSeries();
    metrics.close();
    tracker.close();
    done();
  });

  return {
    fastify,
    async listen() {
      await metrics.refreshAccounts();
      return fastify.listen({ host, port: options.port ?? 0 });
    },
    close: () => fastify.close(),
  };
}

/** Every request (pages, assets, API, events, metrics) must carry the token. */
function requireToken(fastify: FastifyInstance, accessToken: string): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (hasAccess(request.headers.authorization, accessToken)) return;
    await reply
      .code(401)
      // Basic makes a browser prompt (the token is the password) and resend it everywhere.
      .header('www-authenticate', 'Basic realm="dsync", charset="UTF-8"')
      .send({ error: 'E_UNAUTHORIZED', message: 'A valid access token is required.' });
  });
}
