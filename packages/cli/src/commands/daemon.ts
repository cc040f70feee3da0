import { Cron } from 'croner';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { plural } from '../output/progress-format.js';
import { positiveInt } from './options.js';
import { exitCodeOfRun } from './sync.js';

/**
 * `dsync daemon`: runs what is due, by each source's schedule (croner, in the source's time
 * zone) and freshness, until Ctrl-C. One run at a time: a fire time during a run is folded
 * into the next check, which syncs every unsynced source anyway. After each run it checks the
 * days that settled since against each source's coverage grid and fetches the holes at once.
 * In distributed mode it queues what is due for the fetch workers instead, once they settled
 * the run it queued last.
 */
export function registerDaemonCommand(program: Command, context: CliContext): void {
  program
    .command('daemon')
    .description('keep every source current: sync what is due by its schedule, until Ctrl-C')
    .option(
      '--every <minutes>',
      'also check for stale sources this often',
      positiveInt('--every'),
      15,
    )
    .action(async (flags: { every: number }) => {
      const runtime = await context.runtime();
      const logger = await context.logger();
      const { controller, registry } = runtime;
      runtime.requireCredentials(registry.list());
      let running: Promise<void> | undefined;
      let again = false;
      /** Per source, the last settled day checked against its coverage grid (this process). */
      const checked = new Map<string, string>();
      /** Audits what settled since the last check and queues the holes; true when it queued any. */
      const checkSettled = async (why: string): Promise<boolean> => {
        let queued = 0;
        for (const check of await controller.queueSettledHoles(checked)) {
          if (check.error !== undefined) {
            logger.warn({ sourceId: check.sourceId, reason: check.error }, 'not checked');
            continue;
          }
          checked.set(check.sourceId, check.range.end);
          queued += check.queued ?? 0;
          if ((check.queued ?? 0) > 0)
            stamp(
              why,
              `${check.sourceId} had ${plural(check.missing ?? 0, 'missing cell')} in its settled days ${check.range.start}..${check.range.end}: queued ${plural(check.queued ?? 0, 'request')}`,
            );
          logger.info({ ...check }, 'settled days checked');
        }
        return queued > 0;
      };
      /** Distributed mode: the queued run the fetch workers are on, closed before the next is queued. */
      let open: string | undefined;
      const stamp = (why: string, what: string) =>
        context.output.line(`${new Date().toISOString()} ${why}: ${what}`);
      const queueDue = async (why: string) => {
        if (open !== undefined) {
          const ending = await controller.settleQueued(open);
          if (ending === undefined) return stamp(why, `${open} still with the fetch workers`);
          stamp(why, `${open} ${ending}`);
          open = undefined;
          // Holes in what has settled join the tasks the next enqueue hands to the workers.
          if (ending === 'done') await checkSettled(why);
        }
        const queued = await controller.enqueue(runtime.taskQueue());
        if (queued.status !== 'running')
          return stamp(
            why,
            `${queued.status} syncing ${queued.synced?.sources.map((s) => s.sourceId).join(', ') ?? ''}`,
          );
        const tasks = queued.queued.filter((q) => q.tasks > 0);
        // Nothing for the workers: closed at once.
        if (tasks.length === 0) await controller.settleQueued(queued.runId);
        else open = queued.runId;
        stamp(
          why,
          tasks.length === 0
            ? 'nothing due'
            : `queued ${tasks.map((q) => `${q.sourceId} ${plural(q.tasks, 'task')}`).join('; ')} (${queued.runId})`,
        );
        logger.info({ runId: queued.runId, queued: queued.queued }, why);
      };
      const check = (why: string) => {
        if (running !== undefined) {
          again = true;
          return;
        }
        running = (async () => {
          do {
            again = false;
            if (runtime.distributed !== undefined) {
              await queueDue(why);
              continue;
            }
            const result = await controller.sync();
            const line = `${new Date().toISOString()} ${why}: ${result.status}, ${
              result.sources
                .map(
                  (s) => `${s.sourceId} ${plural(s.requests, 'request')} ${plural(s.rows, 'row')}`,
                )
                .join('; ') || 'nothing due'
            }`;
            context.output.line(line);
            logger.info(
              { runId: result.runId, status: result.status, exit: exitCodeOfRun(result) },
              why,
            );
            // A hole in what has settled is queued and fetched at once, not at the next fire time.
            if (result.status === 'done' && (await checkSettled(why))) again = true;
          } while (again);
        })()
          .catch((error: unknown) => logger.error({ err: error }, 'run failed'))
          .finally(() => {
            running = undefined;
          });
      };
      const schedules = new Map<string, string>();
      for (const s of registry.list())
        if (s.sync.schedule !== undefined)
          schedules.set(`${s.sync.schedule}|${s.sync.timezone}`, s.id);
      const crons = [...schedules.keys()].map((key) => {
        const [pattern, timezone] = key.split('|') as [string, string];
        return new Cron(pattern, { timezone }, () => check(`schedule "${pattern}"`));
      });
      const timer = setInterval(() => check('periodic check'), flags.every * 60_000);
      context.stderr.write(
        `Daemon: ${registry.list().length} sources, ${crons.length} schedules; checks every ${flags.every} min. Ctrl-C stops it.\n`,
      );
      check('start');
      await new Promise<void>((resolve) => {
        const remove = context.onInterrupt(() => {
          remove();
          controller.cancel();
          resolve();
        });
      });
      clearInterval(timer);
      for (const cron of crons) cron.stop();
      await running;
    });
}
