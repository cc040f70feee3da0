import type { FastifyInstance } from 'fastify';
import type { RowsPage } from '../api/contract.js';
import { parseRequest } from '../server/validation.js';
import { sourceDetail, sourceViews } from '../views/source-views.js';
import type { RouteContext } from './context.js';
import { rowsQuery } from './schemas.js';

interface IdParams {
  readonly id: string;
}

/** The sources page: every source, one source's detail, a page of its stored rows. */
export function sourceRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const { controller, registry, storage, clock } = context;

  fastify.get('/api/sources', () => sourceViews(controller, registry, new Date(clock())));

  fastify.get<{ Params: IdParams }>('/api/sources/:id', (request) =>
    sourceDetail(controller, registry, request.params.id, new Date(clock())),
  );

  fastify.get<{ Params: IdParams }>('/api/sources/:id/rows', async (request): Promise<RowsPage> => {
    const source = registry.get(request.params.id);
    const { offset, limit } = parseRequest(rowsQuery, request.query, 'query');
    const [rows, total] = await Promise.all([
      storage.readRows(source, { offset, limit }),
      storage.countRows(source),
    ]);
    return { columns: source.fields.map((f) => f.name), rows, total, offset, limit };
  });
}
