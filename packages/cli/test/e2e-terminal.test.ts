import { describe, expect, it } from '@jest/globals';
import {
  dsync,
  freshPostgres,
  lockTable,
  marketOver,
  projectConfig,
  start,
  startInTerminal,
  TOKEN_ENV,
  useProjects,
  useSandbox,
} from './e2e-helpers.js';

const {
  market: MARKET,
  range: RANGE,
  days: DAYS,
  truth,
} = marketOver('cli-tty', 6, '2024-01-01', '2024-02-29');
const ENV = TOKEN_ENV;
/** Clears from the cursor down: each terminal frame starts with it. */
const FRAME = '\r\u001b[0J';

/** What Ctrl-C does, and what a terminal shows, with `dsync sync` as a user runs it. */
describe('dsync sync at a terminal (the built binary)', () => {
  const project = useProjects();

  const sandbox = useSandbox(MARKET);

  it('redraws a live display in place in a pseudo-terminal, its last frame showing the done counts', async () => {
    // Slow enough for the display to redraw while requests are made.
    const dir = project({
      'dsync.config.yaml': projectConfig({ url: sandbox().url, perMinute: 1200 }),
    });
    const { code, stdout } = await startInTerminal(dir, ['sync', 'tushare.daily', ...RANGE], ENV)
      .done;
    expect(code).toBe(0);
    const frames = stdout.split(FRAME).slice(1);
    expect(frames.length).toBeGreaterThan(1);
    // A later frame moves the cursor up over the lines of the one before.
    expect(stdout).toContain(`\u001b[2A${FRAME}`);
    const last = (frames.at(-1) as string).split('\r\n');
    const rows = truth().length;
    expect(last[0]).toMatch(/^tushare\.trade_cal {2}\[#{10}\] {2}1\/1 req {2}\d+ rows {2}done in /);
    expect(last[1]).toMatch(
      new RegExp(
        `^tushare\\.daily {6}\\[#{10}\\] {2}${DAYS}/${DAYS} req {2}${rows} rows {2}done in `,
      ),
    );
    expect(stdout).toContain(`tushare.daily: done, ${DAYS} requests, ${rows} rows`);
  });

  it('exits at once with 130 on a second Ctrl-C, while the first waits on a database that does not answer', async () => {
    const db = await freshPostgres();
    try {
      const dir = project({
        'dsync.config.yaml': projectConfig({ url: sandbox().url, storage: db.url, perMinute: 600 }),
      });
      // The tables and the ledger exist before one of them is locked.
      const early = ['--since', '2024-01-01', '--until', '2024-01-05'];
      expect((await dsync(dir, ['sync', 'tushare.daily', ...early], ENV)).code).toBe(0);
      const running = start(dir, ['sync', 'tushare.daily', ...RANGE], ENV);
      await running.waitFor('tushare.daily: started');
      // A cancelled run ends by recording so in the runs table: locked, that never happens.
      const lock = await lockTable(db.url, 'dsync_runs');
      try {
        running.signal('SIGINT');
        await running.waitFor('Stopping: finishing the requests in flight');
        running.signal('SIGINT');
        const stopped = await running.done;
        expect(stopped.code).toBe(130);
        // It did not wait for the run to end: the run's result never printed.
        expect(stopped.stdout).toBe('');
      } finally {
        await lock.release();
      }
    } finally {
      await db.drop();
    }
  });
});
