import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** This module's folder, in the ESM and the CJS build alike (and under ts-jest). */
function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/**
 * The built UI, `dist/ui` of this package. Found by walking up from this module to the
 * package's root (the bundle sits in `dist/`, the source in `src/server/`), so it is found
 * wherever the package is installed, globally included.
 */
export function defaultUiRoot(start: string = moduleDir()): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'ui');
    if (dirname(dir) === dir) return join(start, 'ui');
  }
}

/**
 * Serves the UI's files from `root`, `index.html` at `/`. Without a built UI the API still
 * works, and `/` says what is missing instead of a bare 404.
 */
export function serveUi(fastify: FastifyInstance, root: string): void {
  if (existsSync(join(root, 'index.html'))) {
    void fastify.register(fastifyStatic, { root, prefix: '/', index: 'index.html' });
    return;
  }
  fastify.get('/', async (_request, reply) =>
    reply.code(503).send({
      error: 'E_NO_UI',
      message: `The web UI is not built (no index.html in ${root}): run \`npx nx run @dsync/web:build\`. The API under /api works.`,
    }),
  );
}
