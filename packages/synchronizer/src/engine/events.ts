import type { LedgerError, RunStatus } from '@dsync/datasource';

/**
 * Every step of a run, as one typed stream: the CLI's progress, the web UI, logs and
 * metrics all read it. Events carry ids, counts and reasons, never a token.
 */
export type SyncEvent =
  | { readonly type: 'run-started'; readonly runId: string; readonly sourceIds: readonly string[] }
  | {
      readonly type: 'source-started';
      readonly runId: string;
      readonly sourceId: string;
      readonly resumed: number;
    }
  /** A request leaves for the provider (once the limits let it): one per call made. */
  | {
      readonly type: 'task-started';
      readonly sourceId: string;
      readonly key: string;
      readonly attempt: number;
    }
  | {
      readonly type: 'rows-delivered';
      readonly sourceId: string;
      readonly key: string;
      readonly rows: number;
      readonly page: number;
    }
  | {
      readonly type: 'task-done';
      readonly sourceId: string;
      readonly key: string;
      readonly rows: number;
    }
  | {
      readonly type: 'retried';
      readonly sourceId: string;
      readonly key: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: LedgerError;
    }
  | {
      readonly type: 'cooled-down';
      readonly sourceId: string;
      readonly key: string;
      readonly delayMs: number;
      readonly reason: LedgerError;
    }
  | {
      readonly type: 'dropped';
      readonly sourceId: string;
      readonly key: string;
      readonly reason: LedgerError;
    }
  /**
   * A task's answer stops its source: at a limit (`stopped`, resumable after `resumeAfter`
   * when the provider said), or for good (`failed`: permission, auth, a misconfiguration).
   */
  | {
      readonly type: 'task-stopped';
      readonly sourceId: string;
      readonly key: string;
      readonly status: 'stopped' | 'failed';
      readonly reason: LedgerError;
      readonly resumeAfter?: string;
    }
  | {
      readonly type: 'quota';
      readonly scope: string;
      readonly used: number;
      readonly left: number | undefined;
    }
  /**
   * A fetch worker leaves a source's tasks of a run to other workers: its settings for the
   * source (definition, account, limits) differ from those the run was queued with. Told once
   * per worker, run and source.
   */
  | {
      readonly type: 'worker-mismatch';
      readonly sourceId: string;
      readonly worker: string;
      readonly differs: readonly ('definition' | 'account' | 'limits')[];
      readonly message: string;
    }
  /**
   * A distributed run's sources whose tasks are all settled, but whose batches wait in the
   * queue for a storing worker (told when the count or the consumers change). Their cursors
   * move once the batches are stored.
   */
  | {
      readonly type: 'batches-waiting';
      readonly runId: string;
      /** Each source waiting, with its batches not yet marked stored. */
      readonly sources: readonly { readonly sourceId: string; readonly batches: number }[];
      /** Their sum. */
      readonly batches: number;
      /** The queue they wait in, and the consumers taking from it, when the sink can tell. */
      readonly queue?: string;
      readonly consumers?: number;
    }
  | {
      readonly type: 'source-finished';
      readonly runId: string;
      readonly sourceId: string;
      readonly status: RunStatus;
      readonly rows: number;
      readonly requests: number;
      readonly reason?: LedgerError;
    }
  | {
      readonly type: 'run-finished';
      readonly runId: string;
      readonly status: RunStatus;
      readonly reason?: LedgerError;
      readonly resumeAfter?: string;
    };

export type SyncEventType = SyncEvent['type'];
export type SyncListener = (event: SyncEvent) => void;

/** A listener that throws is reported to `onListenerError` and never stops the engine. */
export class SyncEvents {
  readonly #listeners = new Set<SyncListener>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes; returns the unsubscribe. */
  on(listener: SyncListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: SyncEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}
