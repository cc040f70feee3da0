import type { FastifyInstance } from 'fastify';
import { parseRequest } from '../server/validation.js';
import type { RouteContext } from './context.js';
import { runsQuery, tasksQuery } from './schemas.js';

/** The ledger (runs, tasks) and the quota, as stored and as the controller counts it. */
export function ledgerRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const { checkpoints } = context.storage;

  fastify.get('/api/runs', (request) => {
    const { limit } = parseRequest(runsQuery, request.query, 'query');
    return checkpoints.listRuns({ limit });
  });

  fastify.get('/api/tasks', (request) => {
    const query = parseRequest(tasksQuery, request.query, 'query');
    // An unknown source is a 404 with the nearest ids, not an empty list that hides the typo.
    if (query.source !== undefined) context.registry.get(query.source);
    return checkpoints.listTasks({
      limit: query.limit,
      ...(query.source === undefined ? {} : { sourceId: query.source }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.run === undefined ? {} : { runId: query.run }),
    });
  });

  fastify.get('/api/quota', () => context.controller.quota());
}
