import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';

/** What /healthz answers: 200 when `ok`, 503 otherwise, with the reasons. */
export interface Health {
  readonly ok: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface MetricsServerOptions {
  readonly host: string;
  /** 0: any free port (the URL says which). */
  readonly port: number;
  readonly registry: Registry;
  health(): Health;
}

export interface MetricsServer {
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(`${JSON.stringify(body)}\n`);
};

/**
 * A worker's own HTTP endpoint: `GET /metrics` (Prometheus text format) and `GET /healthz`.
 * Plain node:http: a worker needs two read-only routes, not the web server. Its sockets are
 * tracked so `close` never waits on a scraper's keep-alive connection.
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const sockets = new Set<Socket>();
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return json(response, 405, { error: 'GET only' });
    if (path === '/metrics') {
      const text = await options.registry.metrics();
      response.writeHead(200, { 'content-type': options.registry.contentType });
      return void response.end(text);
    }
    if (path === '/healthz') {
      const { ok, body } = options.health();
      return json(response, ok ? 200 : 503, body);
    }
    json(response, 404, { error: `no ${path}: /metrics and /healthz only` });
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: String(error) });
      else response.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
