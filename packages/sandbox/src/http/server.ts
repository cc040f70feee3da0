import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FaultKind } from './faults.js';

export interface ListenOptions {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /**
   * How long each answer takes, in ms: a number, or `[min, max]` drawn uniformly per request
   * (the real APIs answer in 100–300 ms from Shanghai or New York). @default 0
   */
  readonly latencyMs?: number | readonly [number, number];
}

/** One request's answer time. */
function latencyOf(latency: ListenOptions['latencyMs']): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return latency;
  const [min, max] = latency;
  return min + Math.random() * (max - min);
}

export interface RunningServer {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every open connection, hanging ones included. */
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** A plain node:http server that tracks its sockets, so `close()` never waits on a hung request. */
export async function listen(
  handler: Handler,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const delay = latencyOf(options.latencyMs);
    // The wait never keeps a process alive: the listening server does, and once it closes, a
    // slow answer (a test's 10-minute hang) has no socket left to go to.
    const answered =
      delay > 0
        ? new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(() =>
            handler(request, response),
          )
        : Promise.resolve(handler(request, response));
    answered.catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`sandbox error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads a request body as text (bounded: the APIs' bodies are small). */
export function readBody(request: IncomingMessage, maxBytes = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new RangeError(`request body over ${maxBytes} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/**
 * Answers with an injected fault instead of `body` (the answer it would have given). Returns
 * false for `busy`, which each replica answers in its own words, and sends nothing then.
 */
export function answerWithFault(
  kind: FaultKind,
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
): boolean {
  switch (kind) {
    case 'html-5xx':
      send(response, 502, 'text/html', HTML_502);
      return true;
    case 'non-json-403':
      send(response, 403, 'text/plain', 'Forbidden');
      return true;
    case 'reset':
      request.socket.destroy();
      return true;
    case 'hang':
      // Never answer: the socket stays open until the client gives up or the server closes.
      return true;
    case 'malformed-json':
      send(response, 200, 'application/json', `${body.slice(0, Math.floor(body.length / 2))}}{]`);
      return true;
    case 'truncated-json':
      send(
        response,
        200,
        'application/json',
        body.slice(0, Math.max(1, Math.floor(body.length / 2))),
      );
      return true;
    case 'leading-whitespace':
      send(response, 200, 'application/json', `\n  \n${body}`);
      return true;
    case 'busy':
      return false;
  }
}
