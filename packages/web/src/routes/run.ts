import type { FastifyInstance } from 'fastify';
import type { RateSeries } from '../api/contract.js';
import type { RouteContext } from './context.js';

/** The run in progress (or the last one), its rates, and the live event stream. */
export function runRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const { tracker, series, hub, controller } = context;

  fastify.get('/api/run', () => tracker.view());

  fastify.get('/api/series', async (): Promise<RateSeries> => {
    const quota = await controller.quota();
    return {
      points: series.points(),
      limits: quota.flatMap((g) =>
        g.windows.length === 0
          ? []
          : [
              {
                scope: g.scope,
                perSecond: Math.min(...g.windows.map((w) => (w.limit * 1000) / w.windowMs)),
              },
            ],
      ),
    };
  });

  fastify.get('/api/events', (_request, reply) => {
    hub.open(reply, { type: 'run', run: tracker.view() });
  });
}
