import type { FastifyReply } from 'fastify';
import type { ServerEvent } from '../api/contract.js';
import { scrubJson, SECURITY_HEADERS, type Scrub } from '../server/hardening.js';

/** A comment line every so often: proxies and browsers keep an idle stream open. */
const HEARTBEAT_MS = 15_000;

type Client = (chunk: string) => void;

/**
 * The clients of /api/events. Each event is serialised once, scrubbed like every answer,
 * and written to each as one Server-Sent Events message.
 */
export class EventHub {
  readonly #clients = new Set<Client>();
  readonly #closers = new Set<() => void>();
  readonly #scrub: Scrub;

  constructor(scrub: Scrub) {
    this.#scrub = scrub;
  }

  get size(): number {
    return this.#clients.size;
  }

  broadcast(event: ServerEvent): void {
    if (this.#clients.size === 0) return;
    const chunk = this.#message(event);
    for (const client of this.#clients) client(chunk);
  }

  /**
   * Takes the request over as an event stream: headers, then `first` (the current run),
   * then every broadcast and a heartbeat, until the client goes away or the server closes.
   */
  open(reply: FastifyReply, first: ServerEvent): void {
    void reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    response.write(`retry: 2000\n\n${this.#message(first)}`);
    const client: Client = (chunk) => void response.write(chunk);
    const heartbeat = setInterval(() => client(': heartbeat\n\n'), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      this.#clients.delete(client);
      this.#closers.delete(close);
      response.end();
    };
    this.#clients.add(client);
    this.#closers.add(close);
    // The response's close, not the request's: a GET's request closes once read, at once.
    response.on('close', close);
  }

  /** Ends every stream: a hijacked response would otherwise keep the server from closing. */
  closeAll(): void {
    for (const close of [...this.#closers]) close();
  }

  #message(event: ServerEvent): string {
    return `data: ${JSON.stringify(scrubJson(event, this.#scrub))}\n\n`;
  }
}
