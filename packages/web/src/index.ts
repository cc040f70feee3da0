/**
 * @dsync/web: the web interface over the Sync Controller.
 *
 * Built so far: the server with its health endpoint and access rules. Pages, the live run
 * view, actions and metrics come with their own issue.
 */
export { createWebServer, type WebServer, type WebServerOptions } from './web-server.js';
export { isLoopback } from './access.js';
