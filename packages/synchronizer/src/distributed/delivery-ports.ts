import type { CheckpointStore, Sink, TaskUpdate } from '@dsync/datasource';
import { throwIfCancelled } from '../clients/cancelled-error.js';

/**
 * The ledger and the sink as a fetch worker's attempt at one delivery sees them. Proxies
 * rather than wrapper objects: the store is a class with private fields, whose methods must
 * run on the store itself, and every other member of either port (the optional ones a newer
 * port adds among them) must reach `runTask` as it is.
 */

/** What one delivery's ledger writes found. */
export interface LedgerWrites {
  /** A write found the task settled already: another worker did it (a redelivered copy). */
  settledElsewhere: boolean;
}

/** `target` with some members replaced; the others bound to `target`. */
function overriding<T extends object>(target: T, members: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(members, property)) return members[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(object)
        : value;
    },
  });
}

/**
 * The ledger, each task update going through `updateUnsettledTask`: a copy of a task that
 * another worker settled first (the broker redelivered it while the first was finishing)
 * neither settles it a second time nor turns it back to pending, and `writes` says so. A
 * store without the conditional write is used as it is (such a race then counts twice).
 */
export function unsettledLedger(
  checkpoints: CheckpointStore,
  writes: LedgerWrites,
): CheckpointStore {
  const conditional = checkpoints.updateUnsettledTask?.bind(checkpoints);
  if (conditional === undefined) return checkpoints;
  return overriding(checkpoints, {
    async updateTask(sourceId: string, key: string, update: TaskUpdate): Promise<void> {
      if (!(await conditional(sourceId, key, update))) writes.settledElsewhere = true;
    },
  });
}

/**
 * The sink, for a delivery that `signal` cuts off (lost with its channel, or the worker
 * stopping): it sends no rows then, and rows being sent when it came are not marked done
 * (the write throws CancelledError, which `runTask` takes as a failed write): the next taker
 * sends them again, and they are stored once, by key. A transactional sink's
 * `writeAndComplete` is checked before it starts (it writes the ledger in the same step).
 */
export function cutOffSink(sink: Sink, signal: AbortSignal): Sink {
  const transactional = (sink as { writeAndComplete?: (...args: never[]) => Promise<void> })
    .writeAndComplete;
  return overriding(sink, {
    async write(...args: Parameters<Sink['write']>): Promise<void> {
      throwIfCancelled(signal);
      await sink.write(...args);
      throwIfCancelled(signal);
    },
    ...(transactional === undefined
      ? {}
      : {
          async writeAndComplete(...args: never[]): Promise<void> {
            throwIfCancelled(signal);
            await transactional.apply(sink, args);
          },
        }),
  });
}
