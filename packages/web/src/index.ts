/**
 * @dsync/web: the web interface over the Sync Controller. An HTTP server (Fastify) with the
 * JSON API of `api/contract.ts`, a live event stream, Prometheus metrics and the built UI,
 * behind the access rules: loopback by default, a token (Bearer or Basic) otherwise.
 */
export { createWebServer, type WebServer, type WebServerOptions } from './server/web-server.js';
export { assertSafeBind, isLoopback } from './server/access.js';
export type * from './api/contract.js';
