import type { FastifyInstance } from 'fastify';
import type { RowsPage } from '../api/contract.js';
import { HttpError } from '../server/errors.js';
import { parseRequest } from '../server/validation.js';
import { sourceDetail, sourceViews } from '../views/source-views.js';
import type { RouteContext } from './context.js';
import { rowsQuery } from './schemas.js';

interface IdParams {
  readonly id: string;
}

/** The sources page: every source, one source's detail, a page of its stored rows. */
export function sourceRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const { controller, registry, clock } = context;

  fastify.get('/api/sources', () => sourceViews(controller, registry, new Date(clock())));

  fastify.get<{ Params: IdParams }>('/api/sources/:id', (request) =>
    sourceDetail(controller, registry, request.params.id, new Date(clock())),
  );

  fastify.get<{ Params: IdParams }>('/api/sources/:id/rows', async (request): Promise<RowsPage> => {
    const source = registry.get(request.params.id);
    const { offset, limit } = parseRequest(rowsQuery, request.query, 'query');
    const page = await controller.rows(source.id, { offset, limit });
    if (page === undefined)
      throw new HttpError(
        404,
        'E_NO_ROWS',
        `The storage of ${source.id} cannot read its table back (a queue, or a sink without reads).`,
      );
    return { columns: source.fields.map((f) => f.name), ...page, offset, limit };
  });
}
