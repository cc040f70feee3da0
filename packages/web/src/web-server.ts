import Fastify, { type FastifyInstance } from 'fastify';
import { assertSafeBind, hasAccess } from './access.js';

export interface WebServerOptions {
  /** @default "127.0.0.1": reachable from this machine only */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Required beyond loopback; then every request must send `Authorization: Bearer <token>`. */
  readonly accessToken?: string;
}

export interface WebServer {
  /** Starts listening and returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
  /** The underlying Fastify instance, for tests (`inject`). */
  readonly fastify: FastifyInstance;
}

/**
 * The web interface's HTTP server. Built so far: the health endpoint and the access rules
 * (loopback by default, a bearer token otherwise); the API, the UI and metrics over the
 * Sync Controller come with their own issue.
 */
export function createWebServer(options: WebServerOptions = {}): WebServer {
  const host = options.host ?? '127.0.0.1';
  const { accessToken } = options;
  assertSafeBind(host, accessToken);

  const fastify = Fastify({ logger: false });
  if (accessToken !== undefined) {
    fastify.addHook('onRequest', async (request, reply) => {
      if (!hasAccess(request.headers.authorization, accessToken)) {
        await reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'E_UNAUTHORIZED', message: 'A valid access token is required.' });
      }
    });
  }
  fastify.get('/api/health', () => ({ status: 'ok' }));

  return {
    fastify,
    listen: () => fastify.listen({ host, port: options.port ?? 0 }),
    close: () => fastify.close(),
  };
}
