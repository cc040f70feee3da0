/**
 * What the event stream keeps current, shared by every page: the run, the quota gauges,
 * the sources (after a run), the stream's state, and a clock for relative times.
 */
import { createContext } from 'preact';
import { useEffect, useState } from 'preact/hooks';
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
  /** Sets the run at once (after a start or a cancel) without waiting for the stream. */
  readonly setRun: (run: RunView | null) => void;
}

export const LiveContext = createContext<Live>({
  run: undefined,
  quota: undefined,
  sources: undefined,
  sourcesVersion: 0,
  stream: 'connecting',
  now: Date.now(),
  setRun: () => undefined,
});

export function useLiveState(): Live {
  const [run, setRun] = useState<RunView | null | undefined>(undefined);
  const [quota, setQuota] = useState<readonly QuotaGauge[] | undefined>(undefined);
  const [sources, setSources] = useState<readonly SourceView[] | undefined>(undefined);
  const [sourcesVersion, setSourcesVersion] = useState(0);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [now, setNow] = useState(Date.now());

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

  return { run, quota, sources, sourcesVersion, stream, now, setRun };
}
