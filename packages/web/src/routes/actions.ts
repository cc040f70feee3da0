import type { DataSourceRegistry } from '@dsync/datasource';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../server/errors.js';
import { parseRequest } from '../server/validation.js';
import type { RouteContext } from './context.js';
import { auditRequest, syncRequest } from './schemas.js';

/** Named ids must exist: a typo answers 404 with the nearest ids before anything runs. */
function checkIds(registry: DataSourceRegistry, ids: readonly string[] | undefined): void {
  for (const id of ids ?? []) registry.get(id);
}

/** What the UI can make happen: plan, sync, cancel, audit. */
export function actionRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const { controller, registry, launcher, tracker } = context;

  fastify.post('/api/plan', (request) => {
    const body = parseRequest(syncRequest, request.body, 'body');
    checkIds(registry, body.ids);
    return controller.plan(body);
  });

  fastify.post('/api/sync', async (request, reply) => {
    const body = parseRequest(syncRequest, request.body, 'body');
    checkIds(registry, body.ids);
    return reply.code(202).send(await launcher.start(body));
  });

  fastify.post('/api/cancel', async (_request, reply) => {
    const run = tracker.view();
    if (!controller.running || run === null)
      throw new HttpError(409, 'E_IDLE', 'No run is in progress.');
    controller.cancel();
    return reply.code(202).send({ cancelled: run.runId });
  });

  fastify.post('/api/audit', (request) => {
    const body = parseRequest(auditRequest, request.body, 'body');
    checkIds(registry, body.ids);
    return controller.audit(body);
  });
}
