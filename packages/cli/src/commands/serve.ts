import { DsyncError } from '@dsync/datasource';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';

/** The variable the access token is read from: a flag would show in the process list. */
export const WEB_TOKEN_VARIABLE = 'DSYNC_WEB_TOKEN';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError(`--port takes a port number (0 to 65535), got "${value}"`);
  return n;
}

interface ServeFlags {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
}

/**
 * `dsync serve`: the web interface (UI, JSON API, live events, /metrics) over the same
 * controller as the other commands, until Ctrl-C; then a run it started is checkpointed and
 * the server closes.
 */
export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('the web interface (UI, API, live progress, /metrics), until Ctrl-C')
    .option(
      '--host <address>',
      'address to listen on; beyond loopback a token is required',
      '127.0.0.1',
    )
    .option('--port <n>', 'port to listen on', port, 8787)
    .option('--token <token>', `access token, 16+ characters (default: $${WEB_TOKEN_VARIABLE})`)
    .action(async (flags: ServeFlags) => {
      // Loaded here, not at start: the web server (Fastify, prom-client, the UI) is most of
      // what every other command would otherwise load for nothing.
      const { assertSafeBind, createWebServer } = await import('@dsync/web');
      const fromEnv = context.env[WEB_TOKEN_VARIABLE];
      const token = flags.token ?? (fromEnv === '' ? undefined : fromEnv);
      if (token !== undefined) context.secrets.push(token);
      // Checked before the configuration opens anything: a bad bind is a usage error (exit 2).
      try {
        assertSafeBind(flags.host, token);
      } catch (error) {
        if (error instanceof DsyncError) throw new UsageError(error.message);
        throw error;
      }
      const runtime = await context.runtime();
      const logger = await context.logger();
      const server = createWebServer({
        controller: runtime.controller,
        registry: runtime.registry,
        host: flags.host,
        port: flags.port,
        secrets: context.secrets,
        ...(token === undefined ? {} : { accessToken: token }),
        onError: (error) => logger.error({ err: error }, 'web: a background run failed'),
      });
      const url = await server.listen();
      context.output.line(url);
      context.stderr.write(
        `dsync web interface at ${url}${token === undefined ? '' : ' (the browser asks for the token as the password, any user name)'}; Ctrl-C stops it.\n`,
      );
      await new Promise<void>((resolve) => {
        const remove = context.onInterrupt(() => {
          remove();
          resolve();
        });
      });
      await server.close();
    });
}
