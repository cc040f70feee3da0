import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { FAULT_KINDS, type FaultKind } from './http/faults.js';
import { isoOf } from './market/dates.js';
import { Market } from './market/market.js';
import type { Sandbox } from './options.js';
import { startNdlSandbox } from './ndl/ndl-sandbox.js';
import { startTushareSandbox } from './tushare/tushare-sandbox.js';

/**
 * `dsync-sandbox`: starts both replicas on one fake market, prints one JSON line with
 * their URLs (the root, and the `baseUrl` to configure) and working credentials, and serves
 * until SIGINT or SIGTERM.
 */

const whole = (flag: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${flag} takes a whole number ≥ ${min}, got "${value}"`);
  return n;
};

const share = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1))
    throw new InvalidArgumentError(`--fault-rate takes a number from 0 to 1, got "${value}"`);
  return n;
};

const ISO_TIME =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO time with its zone (`2024-01-10T20:00:00+08:00`, `2024-01-10T12:00Z`), as ms. */
const instant = (value: string): number => {
  const match = ISO_TIME.exec(value);
  const time = match !== null && isoOf(match[1] as string) !== undefined ? Date.parse(value) : NaN;
  if (Number.isNaN(time))
    throw new InvalidArgumentError(
      `--now takes an ISO time with its zone, such as 2024-01-10T20:00:00+08:00 or 2024-01-10T12:00:00Z, got "${value}"`,
    );
  return time;
};

const kinds = (value: string): FaultKind[] => {
  const list = value.split(',').map((k) => k.trim());
  const unknown = list.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown fault kind ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}`,
    );
  return list as FaultKind[];
};

interface Flags {
  host: string;
  tusharePort: number;
  ndlPort: number;
  seed: string;
  symbols: number;
  start: string;
  end?: string;
  perMinute?: number;
  windowMs?: number;
  perDay?: number;
  faultRate: number;
  faultKinds?: FaultKind[];
  token: string;
  apiKey: string;
  ndlPer10s?: number;
  ndlPer10min?: number;
  now?: number;
  latencyMs?: number;
}

export function createSandboxProgram(): Command {
  return new Command('dsync-sandbox')
    .description(
      'Serve local replicas of the Tushare Pro and Nasdaq Data Link APIs from a deterministic fake market.',
    )
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option(
      '--tushare-port <port>',
      'Tushare replica port (0 = any free)',
      whole('--tushare-port', 0),
      0,
    )
    .option('--ndl-port <port>', 'NDL replica port (0 = any free)', whole('--ndl-port', 0), 0)
    .option('--seed <seed>', 'market seed: the same seed serves the same data', 'dsync')
    .option('--symbols <n>', 'number of stocks', whole('--symbols', 1), 300)
    .option('--start <date>', 'first day with data (YYYY-MM-DD)', '2015-01-01')
    .option('--end <date>', 'last day with data (default: today in Asia/Shanghai)')
    .option(
      '--per-minute <n>',
      'Tushare calls per window per interface (default: the 2000-point tier, 200)',
      whole('--per-minute', 1),
    )
    .option(
      '--window-ms <ms>',
      'length of the rate window in ms (default 60000: a minute)',
      whole('--window-ms', 1),
    )
    .option(
      '--per-day <n>',
      'calls per day per interface (default: the tier’s)',
      whole('--per-day', 1),
    )
    .option(
      '--latency-ms <ms>',
      'answer each request after this long, as the real APIs take 100–300 ms (default 0)',
      whole('--latency-ms', 0),
    )
    .option('--fault-rate <share>', 'share of requests answered with a fault, 0 to 1', share, 0)
    .addOption(
      new Option(
        '--fault-kinds <list>',
        `comma-separated fault kinds (${FAULT_KINDS.join(', ')})`,
      ).argParser(kinds),
    )
    .option(
      '--ndl-per-10s <n>',
      'NDL calls per short window (default 300)',
      whole('--ndl-per-10s', 1),
    )
    .option(
      '--ndl-per-10min <n>',
      'NDL calls per long window (default 2000)',
      whole('--ndl-per-10min', 1),
    )
    .option(
      '--now <time>',
      'start the replicas’ clock at this ISO time with its zone (e.g. 2024-01-10T20:00:00+08:00), then run at real speed: the data served (publication, revisions) and the limits follow it (default: the real time)',
      instant,
    )
    .option('--token <token>', 'the Tushare token the replica accepts', 'sandbox-tushare-token')
    .option('--api-key <key>', 'the NDL API key the replica accepts', 'sandbox-ndl-key')
    .addHelpText(
      'after',
      '\nOn start it prints one JSON line: {"tushare":{"url","baseUrl","token"},"ndl":{"url","baseUrl","apiKey"},"market":{…}}.\n' +
        'baseUrl is the value for accounts.<provider>.baseUrl in a dsync config (NDL: the url and /api/v3);\n' +
        'url is the server’s root.\n' +
        'It serves until SIGINT or SIGTERM, then exits 0. Exit code 2: a bad flag; 1: it could not start.',
    );
}

/** Starts what the flags ask for; resolves to the running replicas. */
export async function startFromFlags(
  flags: Flags,
): Promise<{ line: string; sandboxes: Sandbox[] }> {
  const market = new Market({
    seed: flags.seed,
    symbols: flags.symbols,
    start: flags.start,
    end: flags.end,
  });
  const faults = { rate: flags.faultRate, kinds: flags.faultKinds };
  // --now: a clock started at that instant, running at real speed.
  const offset = flags.now === undefined ? undefined : flags.now - Date.now();
  const clock = offset === undefined ? {} : { now: () => Date.now() + offset };
  const latency = flags.latencyMs === undefined ? {} : { latencyMs: flags.latencyMs };
  const tier =
    flags.perMinute === undefined && flags.perDay === undefined
      ? undefined
      : { perMinute: flags.perMinute ?? 200, perDay: flags.perDay, apis: 'all' as const };
  const tushare = await startTushareSandbox({
    market,
    host: flags.host,
    port: flags.tusharePort,
    faults,
    ...clock,
    ...latency,
    windowMs: flags.windowMs,
    accounts: [{ token: flags.token, label: 'default', ...(tier === undefined ? {} : { tier }) }],
  });
  const ndl = await startNdlSandbox({
    market,
    host: flags.host,
    port: flags.ndlPort,
    faults,
    ...clock,
    ...latency,
    apiKeys: [{ key: flags.apiKey, label: 'default' }],
    limits: {
      per10s: flags.ndlPer10s,
      per10min: flags.ndlPer10min,
      perDay: flags.perDay,
      // --window-ms compresses time for both replicas: NDL's 10 s and 10 min scale with the minute.
      ...(flags.windowMs === undefined
        ? {}
        : {
            shortWindowMs: Math.max(1, Math.round(flags.windowMs / 6)),
            longWindowMs: flags.windowMs * 10,
          }),
    },
  });
  const line = JSON.stringify({
    tushare: { url: tushare.url, baseUrl: tushare.baseUrl, token: tushare.token },
    ndl: { url: ndl.url, baseUrl: ndl.baseUrl, apiKey: ndl.apiKey },
    market: market.options,
  });
  return { line, sandboxes: [tushare, ndl] };
}

/** Runs the bin: resolves once a signal stopped it, to the exit code. */
export async function runSandboxCli(argv: readonly string[]): Promise<number> {
  const program = createSandboxProgram().exitOverride();
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  let started: Awaited<ReturnType<typeof startFromFlags>>;
  try {
    started = await startFromFlags(program.opts<Flags>());
  } catch (error) {
    process.stderr.write(
      `dsync-sandbox: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  process.stdout.write(`${started.line}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all(started.sandboxes.map((s) => s.close()));
  return 0;
}
