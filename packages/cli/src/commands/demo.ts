import { resolve } from 'node:path';
import { Market, startTushareSandbox } from '@dsync/sandbox';
import type { Command } from 'commander';
import { configSchema } from '../config/index.js';
import type { CliContext } from '../context.js';
import { createProgress } from '../output/progress.js';
import { formatDuration, formatNumber } from '../output/progress-format.js';
import { openRuntime } from '../runtime/runtime.js';
import { positiveInt } from './options.js';
import { exitCodeOfRun } from './sync.js';

const DEMO_SOURCES = [
  'tushare.trade_cal',
  'tushare.stock_basic',
  'tushare.daily',
  'tushare.adj_factor',
];
const DEMO_TOKEN = 'demo-token-0123456789';
const DEMO_RANGE = { since: '2019-01-01', until: '2023-12-29' };
/** The sandbox account's limit: high enough to finish in about half a minute, low enough to see it work. */
const PER_MINUTE = 6_000;

interface DemoFlags {
  readonly db: string;
  readonly symbols: number;
}

async function demo(context: CliContext, flags: DemoFlags): Promise<number> {
  const started = Date.now();
  const market = new Market({
    seed: 'demo',
    symbols: flags.symbols,
    start: '2018-10-01',
    end: DEMO_RANGE.until,
  });
  const sandbox = await startTushareSandbox({
    market,
    accounts: [{ token: DEMO_TOKEN, tier: { perMinute: PER_MINUTE, apis: 'all' } }],
  });
  const file = resolve(context.cwd, flags.db);
  const out = context.output;
  out.line(
    `Sandbox Tushare at ${sandbox.url} (${flags.symbols} symbols, ${DEMO_RANGE.since} to ${DEMO_RANGE.until}).`,
  );
  out.line(
    `Syncing ${DEMO_SOURCES.join(', ')} into ${file} at ${formatNumber(PER_MINUTE)} calls a minute…`,
  );
  const config = configSchema.parse({
    storage: `sqlite:${file}`,
    accounts: {
      tushare: {
        token: DEMO_TOKEN,
        baseUrl: sandbox.baseUrl,
        limits: { perMinute: PER_MINUTE, maxConcurrent: 8 },
      },
    },
    sources: DEMO_SOURCES,
  });
  const runtime = await openRuntime({
    loaded: { config, path: undefined, dir: context.cwd },
    env: {},
  });
  try {
    const { controller } = runtime;
    const progress = createProgress({
      stream: context.stderr,
      plans: await controller.plan({ ids: DEMO_SOURCES, ...DEMO_RANGE }),
    });
    const unsubscribe = controller.events.on(progress.listener);
    const removeInterrupt = context.onInterrupt(() => controller.cancel());
    const result = await controller.sync({ ids: DEMO_SOURCES, ...DEMO_RANGE }).finally(() => {
      progress.finish();
      unsubscribe();
      removeInterrupt();
    });
    if (result.status !== 'done') {
      out.line(`The demo run ended ${result.status}: ${result.reason?.message ?? ''}`);
      return exitCodeOfRun(result);
    }
    out.line('');
    out.line(
      `Done in ${formatDuration(Date.now() - started)}, ${formatNumber(sandbox.counters().total.served)} requests, ${formatNumber(sandbox.counters().total.throttled)} throttled. Stored:`,
    );
    const status = await runtime.controller.status();
    const rows = DEMO_SOURCES.map((id) => ({
      table: runtime.registry.get(id).storage.table,
      rows: formatNumber(status.find((s) => s.sourceId === id)?.rows ?? 0),
    }));
    out.table(rows, ['table', 'rows']);
    out.line('');
    out.line('Try:');
    out.line(
      `  sqlite3 ${flags.db} "SELECT ts_code, trade_date, close FROM tushare_daily ORDER BY trade_date DESC, ts_code LIMIT 5"`,
    );
    out.line(`  dsync status --config <a dsync.config.yaml with storage: sqlite:${flags.db}>`);
    return 0;
  } finally {
    await runtime.close();
    await sandbox.close();
  }
}

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description(
      'start the Tushare sandbox and sync calendars, symbols, daily bars and adjustment factors into SQLite',
    )
    .option('--db <file>', 'the SQLite file to fill', 'dsync-demo.db')
    .option('--symbols <n>', 'symbols in the sandbox market', positiveInt('--symbols'), 300)
    .action(async (flags: DemoFlags) => {
      context.exitCode = await demo(context, flags);
    });
}
