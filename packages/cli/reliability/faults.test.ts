/**
 * A sync through a provider whose answers go wrong: every fault kind the sandbox knows, at a
 * light and a heavy rate. The stored table must still be exactly the ground truth.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FAULT_KINDS,
  Market,
  startTushareSandbox,
  type FaultKind,
  type TushareSandbox,
} from '@dsync/sandbox';
import {
  marketOver,
  projectConfig,
  projectDb,
  TOKEN,
  TOKEN_ENV,
  waitUntil,
} from '../test/e2e-helpers.js';
import {
  bySize,
  dailyTruthSum,
  duplicateKeys,
  SMALL,
  storedSum,
  useSecretScan,
  type SecretScan,
} from './harness.js';

const SINCE = '2024-01-01';
const UNTIL = bySize('2024-04-30', '2024-12-31');
const { market, range, days } = marketOver('reliability-faults', bySize(4, 10), SINCE, UNTIL);

/** Short, so a hung request costs a second, not the client's default minute. */
const TIMEOUT_MS = 1_000;

/**
 * A run stops (exit 1) when one task has had 5 failed attempts: at 30% that happens in about
 * one full run in two, and a task that spent its attempts gets one a run after that. A few
 * reruns finish it.
 */
const MAX_RUNS = 8;

const OUT_OF_REACH =
  /^Failed: the tushare API at http:\/\/127\.0\.0\.1:\d+\/ gave no usable answer \(.+\)\. What was fetched is stored; run again once it does\.$/m;

/** The project config with a short request timeout (projectConfig has no key for it). */
function configWithTimeout(url: string): string {
  const config = projectConfig({ url });
  const withTimeout = config.replace('    limits:', `    timeoutMs: ${TIMEOUT_MS}\n    limits:`);
  if (withTimeout === config)
    throw new Error('projectConfig has no limits line to put timeoutMs by');
  return withTimeout;
}

// ---- A wire tap: what each answer really was, as the client received it -----------------------

type Delivered = FaultKind | 'answered';

/** How long the sandbox has to answer a request its client gave up on, before it counts as hung. */
const ABANDONED_MS = 500;

/** An answer's fault kind, read from the wire (the sandbox counts faults, not their kinds). */
function kindOf(status: number, body: string): Delivered {
  if (status === 502) return 'html-5xx';
  if (status === 403) return 'non-json-403';
  if (/^\s/.test(body)) return 'leading-whitespace';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body.endsWith('}{]') ? 'malformed-json' : 'truncated-json';
  }
  return (parsed as { code?: unknown }).code === 9999 ? 'busy' : 'answered';
}

interface WireTap {
  readonly url: string;
  /** How many answers of each kind passed; `reset` and `hang` when none came. */
  tally(): Partial<Record<Delivered, number>>;
  close(): Promise<void>;
}

/** A proxy in front of `upstream` that passes every answer on as it came, and counts its kind. */
async function startWireTap(upstream: string): Promise<WireTap> {
  const tally: Partial<Record<Delivered, number>> = {};
  const relay = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer) => {
    let settled = false;
    const settle = (kind: Delivered) => {
      if (settled) return;
      settled = true;
      tally[kind] = (tally[kind] ?? 0) + 1;
    };
    const forward = request(
      new URL(incoming.url ?? '/', upstream),
      { method: incoming.method, headers: incoming.headers, agent: false },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(parts);
          settle(kindOf(answer.statusCode ?? 0, text.toString('utf8')));
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
        });
      },
    );
    // The sandbox closed the connection without an answer: the client must see the same.
    forward.on('error', () => {
      settle('reset');
      outgoing.destroy();
    });
    // The client gave up first: a hang, unless the sandbox answers after all (the client
    // abandoned a request at a stop), and then its answer still says what it served.
    outgoing.on('close', () => {
      if (settled) return;
      setTimeout(() => {
        settle('hang');
        forward.destroy();
      }, ABANDONED_MS);
    });
    forward.end(body);
  };
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => relay(incoming, outgoing, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tally: () => ({ ...tally }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- The runs ---------------------------------------------------------------------------------

/**
 * `dsync sync` until it exits 0; every run before must be the documented stop for an API out
 * of reach (exit 1, what was fetched stored). Resolves with the number of runs.
 */
async function syncUntilDone(scan: SecretScan, dir: string): Promise<number> {
  for (let run = 1; run <= MAX_RUNS; run++) {
    const result = await scan.dsync(dir, ['sync', ...range], TOKEN_ENV);
    if (result.code === 0) return run;
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 1 });
    expect(result.stdout).toMatch(OUT_OF_REACH);
  }
  throw new Error(`no run of ${MAX_RUNS} finished`);
}

/**
 * Faulted requests within three standard deviations of `rate` of `requests` (the sandbox draws
 * each request's fault independently): roughly the rate, at any sample size.
 */
function withinThreeSigma(faulted: number, rate: number, requests: number) {
  const sigma = Math.sqrt(requests * rate * (1 - rate));
  const [low, high] = [requests * rate - 3 * sigma, requests * rate + 3 * sigma];
  return {
    pass: faulted >= low && faulted <= high,
    message: () =>
      `${faulted} of ${requests} requests faulted; expected ${low.toFixed(1)}..${high.toFixed(1)} at ${rate}`,
  };
}
expect.extend({
  toBeWithinThreeSigmaOf: (faulted: number, rate: number, requests: number) =>
    withinThreeSigma(faulted, rate, requests),
});
declare module 'expect' {
  interface Matchers<R> {
    toBeWithinThreeSigmaOf(rate: number, requests: number): R;
  }
}

const requestsOf = (c: { served: number; faulted: number; throttled: number; rejected: number }) =>
  c.served + c.faulted + c.throttled + c.rejected;

describe(`a sync through faulty answers (${days} open days, every fault kind)`, () => {
  const scan = useSecretScan();
  let sandbox: TushareSandbox | undefined;
  let tap: WireTap | undefined;
  afterEach(async () => {
    await tap?.close();
    await sandbox?.close();
  });

  it.each([
    { rate: 0.1, everyKind: false },
    { rate: 0.3, everyKind: !SMALL },
  ])(
    'stores exactly the ground truth with $rate of the answers faulty',
    async ({ rate, everyKind }) => {
      scan.secret(TOKEN);
      sandbox = await startTushareSandbox({
        market: new Market(market),
        accounts: [{ token: TOKEN, tier: { perMinute: 100_000, apis: 'all' } }],
        faults: { rate, seed: `reliability-faults-${rate}` },
      });
      tap = await startWireTap(sandbox.url);
      const dir = scan.project({ 'dsync.config.yaml': configWithTimeout(tap.url) }, TOKEN_ENV);

      const runs = await syncUntilDone(scan, dir);

      const db = projectDb(dir);
      expect(await storedSum(db, 'tushare.daily')).toEqual(dailyTruthSum(market, SINCE, UNTIL));
      expect(await duplicateKeys(db, 'tushare.daily')).toBe(0);

      const counters = sandbox.counters();
      const daily = counters.byApi.daily;
      expect(daily?.faulted).toBeGreaterThan(0);
      expect(counters.total.faulted).toBeWithinThreeSigmaOf(rate, requestsOf(counters.total));

      // The tap saw every request the sandbox counted, and a fault in each it counted faulty.
      const requests = requestsOf(counters.total);
      const tapped = () => Object.values(tap?.tally() ?? {}).reduce((a, b) => a + b, 0);
      await waitUntil(() => Promise.resolve(tapped() >= requests));
      const tally = tap.tally();
      expect(tapped()).toBe(requests);
      expect(FAULT_KINDS.reduce((n, kind) => n + (tally[kind] ?? 0), 0)).toBe(
        counters.total.faulted,
      );
      if (everyKind) expect(FAULT_KINDS.filter((kind) => tally[kind] === undefined)).toEqual([]);
      console.log(`${rate}: ${runs} run(s), ${requests} requests, served by kind`, tally);
    },
  );
});
