import type { FastifyInstance } from 'fastify';
import { parseRequest } from '../server/validation.js';
import type { RouteContext } from './context.js';
import { runsQuery, tasksQuery } from './schemas.js';

/** The ledger (runs, tasks) and the quota, as the controller tells them. */
export function ledgerRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const { controller } = context;

  fastify.get('/api/runs', (request) => {
    const { limit } = parseRequest(runsQuery, request.query, 'query');
    return controller.runs(limit);
  });

  fastify.get('/api/tasks', (request) => {
    const query = parseRequest(tasksQuery, request.query, 'query');
    // An unknown source is a 404 with the nearest ids, not an empty list that hides the typo.
    return controller.tasks({
      limit: query.limit,
      ...(query.source === undefined ? {} : { sourceId: query.source }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.run === undefined ? {} : { runId: query.run }),
    });
  });

  fastify.get('/api/quota', () => context.controller.quota());
}
