import { generateArgs } from '@dsync/arg-generation';
import { DsyncError, type ArgContext, type DataSource, type LedgerError } from '@dsync/datasource';
import { DEFAULT_ERROR_POLICY } from '../../error-policy.js';
import { misconfigurationOf } from '../../engine/misconfiguration.js';
import { failureOf, SourceHalt, syncSource, type SourceResult } from '../../engine/sync-source.js';
import { runIdOf, type ControllerContext } from '../context.js';
import type { RunResult, SyncOptions } from '../options.js';
import { askAgainAll } from './ask-again.js';
import { advanceCursor } from './cursor.js';
import { runGraph, runOutcome } from './graph.js';
import { targetsOf } from './targets.js';

/** A local run's shared parts, as its sources run. */
interface LocalRun {
  readonly id: string;
  readonly now: Date;
  readonly options: SyncOptions;
  readonly context: ArgContext;
  readonly signal: AbortSignal;
  /** Each running source's own stop. */
  readonly running: Map<string, AbortController>;
}

type Ending = Pick<SourceResult, 'status' | 'reason' | 'resumeAfter'>;

/**
 * A sync in this process: the sources due (or named) run as a dependency graph, each as soon
 * as what it reads is done, independent ones at once; one that does not finish stops itself
 * and what reads it. Ends with the ledger's run record and `run-finished`.
 */
export async function runLocal(
  ctx: ControllerContext,
  options: SyncOptions,
  signal: AbortSignal,
): Promise<RunResult> {
  const { storage, registry } = ctx;
  const now = ctx.now(options);
  const runId = runIdOf(now);
  const results: SourceResult[] = [];
  let outcome: Ending;
  try {
    const askedAgain = await askAgainAll(ctx, options);
    const sources = await targetsOf(ctx, options.ids, now, askedAgain);
    await storage.check?.(sources);
    await storage.checkpoints.startRun({
      id: runId,
      sourceIds: sources.map((s) => s.id),
      startedAt: now.toISOString(),
    });
    ctx.events.emit({ type: 'run-started', runId, sourceIds: sources.map((s) => s.id) });
    const run: LocalRun = {
      id: runId,
      now,
      options,
      context: ctx.argContext(),
      signal,
      running: new Map(),
    };
    const graph = await runGraph<SourceResult>({
      ids: sources.map((s) => s.id),
      dependenciesOf: (id) => registry.dependenciesOf(id),
      run: (id) => syncOne(ctx, registry.get(id), run),
      heldBack: (id, ended) => heldBack(ctx, registry.get(id), ended, runId),
      notRun: (id, dependency) => notSynced(ctx, id, dependencyReason(id, dependency), runId),
      notStarted: (id) =>
        notSynced(
          ctx,
          id,
          {
            status: 'cancelled',
            reason: { code: 'E_CANCELLED', message: 'The run was cancelled before it started.' },
          },
          runId,
        ),
      signal,
    });
    results.push(...graph.results);
    outcome = runOutcome(graph.byEnd);
  } catch (error) {
    outcome = { status: 'failed', reason: failureOf(error) };
  } finally {
    await ctx.limiters.stop();
  }
  await storage.checkpoints.finishRun(runId, outcome.status, outcome.reason, outcome.resumeAfter);
  ctx.events.emit({ type: 'run-finished', runId, ...outcome });
  return { runId, ...outcome, sources: results };
}

/**
 * Runs one source with its own stop, linked to the run's: a source refused for its
 * account's address halts the others of its provider, whose requests go there too.
 */
async function syncOne(
  ctx: ControllerContext,
  source: DataSource,
  run: LocalRun,
): Promise<SourceResult> {
  const own = new AbortController();
  const onAbort = () => own.abort(run.signal.reason);
  run.signal.addEventListener('abort', onAbort, { once: true });
  run.running.set(source.id, own);
  let result: SourceResult;
  try {
    result = await syncSourceOf(ctx, source, run, own.signal);
  } catch (error) {
    // Outside its tasks (no client for its provider, the ledger out of reach): it fails alone.
    result = notSynced(ctx, source.id, { status: 'failed', reason: failureOf(error) }, run.id);
  } finally {
    run.signal.removeEventListener('abort', onAbort);
    run.running.delete(source.id);
  }
  if (misconfigurationOf(result.reason) === 'address')
    for (const [id, other] of run.running)
      if (ctx.registry.get(id).provider === source.provider)
        other.abort(new SourceHalt('failed', addressRefused(id, source)));
  return result;
}

async function syncSourceOf(
  ctx: ControllerContext,
  source: DataSource,
  run: LocalRun,
  signal: AbortSignal,
): Promise<SourceResult> {
  const { storage, options: controller } = ctx;
  const { id: runId, now, options, context } = run;
  const state = await storage.checkpoints.getSourceState(source.id);
  const range = { since: options.since, until: options.until, state, now };
  const client = controller.clients[source.provider];
  if (client === undefined)
    throw new DsyncError(
      'E_NO_ACCOUNT',
      `No ${source.provider} account is configured: add its token or API key to sync ${source.provider} sources.`,
    );
  const result = await syncSource({
    source,
    args: generateArgs(source, context, range),
    client,
    limiter: ctx.limiters.limiterOf(source.provider),
    sink: storage.sink,
    checkpoints: storage.checkpoints,
    runId,
    events: ctx.events,
    signal,
    policy: { ...DEFAULT_ERROR_POLICY, ...controller.policy },
    maxConcurrent: ctx.limiters.limitsOf(source).maxConcurrent,
    now: () => ctx.clock(),
    ...(controller.worker === undefined ? {} : { worker: controller.worker }),
  });
  if (result.status === 'done') await advanceCursor(ctx, source, context, range);
  return result;
}

/**
 * A source not to start: a source of its provider failed with a misconfigured address, so
 * its requests would go to the same wrong place.
 */
function heldBack(
  ctx: ControllerContext,
  source: DataSource,
  ended: ReadonlyMap<string, SourceResult>,
  runId: string,
): SourceResult | undefined {
  for (const [id, result] of ended) {
    const refused = ctx.registry.get(id);
    if (misconfigurationOf(result.reason) === 'address' && refused.provider === source.provider)
      return notSynced(
        ctx,
        source.id,
        { status: 'failed', reason: addressRefused(source.id, refused) },
        runId,
      );
  }
  return undefined;
}

/** Why a source is not synced (further): its provider's base URL was refused to `refused`. */
const addressRefused = (id: string, refused: DataSource): LedgerError => ({
  code: 'E_MISCONFIGURED_ADDRESS',
  message: `${id} was not synced: the ${refused.provider} account's base URL was refused (${refused.id})`,
});

/**
 * Why a source was not synced: a source it reads did not finish. It ends as that source did
 * (a limit is waited out, a failure is fixed), so the run's ending and exit code say the same.
 */
function dependencyReason(id: string, dependency: SourceResult): Ending {
  const why = dependency.reason?.message ?? dependency.status;
  switch (dependency.status) {
    case 'stopped':
      return {
        status: 'stopped',
        reason: {
          code: 'E_DEPENDENCY_STOPPED',
          message: `${id} was not synced: it reads ${dependency.sourceId}, which stopped (${why})`,
        },
        ...(dependency.resumeAfter === undefined ? {} : { resumeAfter: dependency.resumeAfter }),
      };
    case 'cancelled':
      return {
        status: 'cancelled',
        reason: { code: 'E_CANCELLED', message: `${id} was not synced: the run was cancelled.` },
      };
    default:
      return {
        status: 'failed',
        reason: {
          code: 'E_DEPENDENCY_FAILED',
          message: `${id} was not synced: it reads ${dependency.sourceId}, which failed (${why})`,
        },
      };
  }
}

/** The result of a source left out of a run, told to listeners like one that ran. */
function notSynced(
  ctx: ControllerContext,
  sourceId: string,
  ending: Ending,
  runId: string,
): SourceResult {
  const { status, reason } = ending;
  ctx.events.emit({ type: 'source-started', runId, sourceId, resumed: 0 });
  ctx.events.emit({
    type: 'source-finished',
    runId,
    sourceId,
    status,
    rows: 0,
    requests: 0,
    ...(reason === undefined ? {} : { reason }),
  });
  const none = { requests: 0, rows: 0, done: 0, dropped: 0, skipped: 0 };
  return { sourceId, ...none, ...ending };
}
