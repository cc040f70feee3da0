import type { QuotaGauge } from '@dsync/synchronizer';
import type { SourceView } from '../api/contract.js';
import type { EventHub } from './event-stream.js';
import type { RunChange, RunTracker } from './run-tracker.js';

/** At most 4 run updates a second: enough for a smooth bar, little for a slow link. */
const RUN_INTERVAL_MS = 250;
const QUOTA_INTERVAL_MS = 1_000;

export interface LivePublisherOptions {
  readonly tracker: RunTracker;
  readonly hub: EventHub;
  readonly quota: () => Promise<QuotaGauge[]>;
  readonly sources: () => Promise<SourceView[]>;
  /** A quota or sources read that failed (the database went away): logged, never thrown. */
  readonly onError?: (error: unknown) => void;
}

/**
 * What /api/events pushes, and when: the run at most every 250 ms while it goes on and at
 * once when it ends, the quota every second while it goes on (and once at its end), the
 * sources once it ends. Returns the stop.
 */
export function publishLive(options: LivePublisherOptions): () => void {
  const { tracker, hub } = options;
  const onError = options.onError ?? (() => undefined);
  let lastRun = 0;
  let runTimer: NodeJS.Timeout | undefined;
  let quotaTimer: NodeJS.Timeout | undefined;

  const sendRun = () => {
    clearTimeout(runTimer);
    runTimer = undefined;
    lastRun = Date.now();
    hub.broadcast({ type: 'run', run: tracker.view() });
  };
  const sendQuota = async () => {
    if (hub.size > 0) hub.broadcast({ type: 'quota', quota: await options.quota() });
  };
  const sendSources = async () => {
    if (hub.size > 0) hub.broadcast({ type: 'sources', sources: await options.sources() });
  };

  const onChange = (change: RunChange) => {
    if (change === 'started') {
      sendRun();
      clearInterval(quotaTimer);
      quotaTimer = setInterval(() => void sendQuota().catch(onError), QUOTA_INTERVAL_MS);
    } else if (change === 'finished') {
      sendRun();
      clearInterval(quotaTimer);
      quotaTimer = undefined;
      void sendQuota().then(sendSources).catch(onError);
    } else if (runTimer === undefined) {
      // The update goes out at the end of the interval, with every change made by then.
      runTimer = setTimeout(sendRun, Math.max(0, lastRun + RUN_INTERVAL_MS - Date.now()));
    }
  };
  const off = tracker.onChange(onChange);
  return () => {
    off();
    clearTimeout(runTimer);
    clearInterval(quotaTimer);
  };
}
