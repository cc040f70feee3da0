/**
 * What the event stream keeps current, shared by every page: the run, the quota gauges,
 * the sources (after a run), the stream's state, and a clock for relative times.
 */
import { createContext } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { QuotaGauge, RunView, SourceView } from '../src/api/contract.js';
import { api, subscribe, type StreamState } from './api.js';

export interface Live {
  /** undefined until the first answer; null when this server ran nothing yet. */
  readonly run: RunView | null | undefined;
  readonly quota: readonly QuotaGauge[] | undefined;
  /** The sources as the last `sources` event sent them, with a counter pages reload on. */
  readonly sources: readonly SourceView[] | undefined;
  readonly sourcesVersion: number;
  readonly stream: StreamState;
  readonly now: number;
  /** A run just started here whose first view has not arrived yet: the run page waits for it. */
  readonly starting: string | undefined;
  /** Says a run was started (its id from POST /api/sync): pages show it, not the last one. */
  readonly expectRun: (runId: string) => void;
}

export const LiveContext = createContext<Live>({
  run: undefined,
  quota: undefined,
  sources: undefined,
  sourcesVersion: 0,
  stream: 'connecting',
  now: Date.now(),
  starting: undefined,
  expectRun: () => undefined,
});

export function useLiveState(): Live {
  const [run, setRun] = useState<RunView | null | undefined>(undefined);
  const [quota, setQuota] = useState<readonly QuotaGauge[] | undefined>(undefined);
  const [sources, setSources] = useState<readonly SourceView[] | undefined>(undefined);
  const [sourcesVersion, setSourcesVersion] = useState(0);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [now, setNow] = useState(Date.now());
  const [starting, setStarting] = useState<string | undefined>(undefined);

  const expectRun = useCallback((runId: string) => {
    setStarting(runId);
    // The stream sends it within a quarter second; asking once more covers a slow stream.
    api.run().then(
      (value) => {
        if (value?.runId === runId) setRun(value);
      },
      () => undefined,
    );
  }, []);
  const arrived = starting !== undefined && run?.runId === starting;
  useEffect(() => {
    if (arrived) setStarting(undefined);
  }, [arrived]);

  useEffect(() => {
    api.run().then(
      (value) => setRun((current) => (current === undefined ? value : current)),
      () => undefined,
    );
    const unsubscribe = subscribe((event) => {
      if (event.type === 'run') setRun(event.run);
      else if (event.type === 'quota') setQuota(event.quota);
      else {
        setSources(event.sources);
        setSourcesVersion((version) => version + 1);
      }
    }, setStream);
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }, []);

  return {
    run,
    quota,
    sources,
    sourcesVersion,
    stream,
    now,
    starting: arrived ? undefined : starting,
    expectRun,
  };
}
