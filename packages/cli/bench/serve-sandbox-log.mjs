// The Tushare replica in its own process, behind a proxy on loopback that writes down every
// call the replica serves: its api and params, and the phase (the run) it arrived in, so a
// benchmark can tell exactly which calls a resumed run repeats. The sandbox has no request
// hook, hence the proxy: it reads the body, forwards it unchanged and logs the call once the
// replica's answer says served (code 0).
//
// Takes { market, token, tier } as JSON in argv[2]; reports the proxy's URL over IPC. Messages:
// - { reset: true }: a new log, phase 0 (a new chain of runs);
// - { phase: n }: calls arriving from now on belong to phase n;
// - { watch: api, count: n }: answers { reached: n } once n distinct calls of `api` were served.
//   From then on it holds every answer back (the caller's state freezes at that instant, as a
//   kill there would find it) until
// - 'release': answers { held }, the calls served but not answered to their caller (the calls
//   in flight, if the caller was killed meanwhile), and lets them go;
// - 'log': answers { log } (every served call, in the order served);
// - 'close'. It exits when its parent is gone.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { startTushareSandbox } from '@dsync/sandbox';

const { market, token, tier } = JSON.parse(process.argv[2]);
const sandbox = await startTushareSandbox({ market, accounts: [{ token, tier }] });

let phase = 0;
/** @type {{ phase: number, api: string, key: string }[]} */
let log = [];
/** Distinct served calls per api. */
let distinct = new Map();
let watching;
/** While set, answers wait here instead of going out. */
let held;

/** A call's identity: its api and params, the params' keys sorted. */
const keyOf = (api, params) =>
  `${api} ${JSON.stringify(Object.fromEntries(Object.entries(params ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))))}`;

function served(arrivedIn, api, params) {
  const key = keyOf(api, params);
  log.push({ phase: arrivedIn, api, key });
  if (!distinct.has(api)) distinct.set(api, new Set());
  distinct.get(api).add(key);
  answerWatch();
}

function answerWatch() {
  if (watching !== undefined && (distinct.get(watching.api)?.size ?? 0) >= watching.count) {
    held = [];
    process.send({ reached: watching.count });
    watching = undefined;
  }
}

const isServed = (text) => {
  try {
    return JSON.parse(text).code === 0;
  } catch {
    return false;
  }
};

const proxy = createServer(async (request, response) => {
  // The phase the call arrived in: a call in flight when its run was killed is that run's.
  const arrivedIn = phase;
  try {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const upstream = await fetch(new URL(request.url ?? '/', sandbox.url), {
      method: request.method,
      headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
      ...(request.method === 'POST' ? { body } : {}),
    });
    const text = await upstream.text();
    if (isServed(text)) {
      const call = JSON.parse(body.toString());
      served(arrivedIn, String(call.api_name ?? ''), call.params);
    }
    const answer = () => {
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      response.end(text);
    };
    if (held === undefined) answer();
    else held.push(answer);
  } catch {
    // The caller was killed mid-call: nobody to answer.
    response.destroy();
  }
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
process.send({ url: `http://127.0.0.1:${proxy.address().port}/` });

process.on('message', async (message) => {
  if (message === 'log') process.send({ log });
  else if (message === 'release') {
    const answers = held ?? [];
    held = undefined;
    process.send({ held: answers.length });
    for (const answer of answers) answer();
  } else if (message === 'close') {
    proxy.close();
    await sandbox.close();
    process.exit(0);
  } else if (message.reset === true) {
    phase = 0;
    log = [];
    distinct = new Map();
    watching = undefined;
    process.send({ reset: true });
  } else if (message.phase !== undefined) {
    phase = message.phase;
    process.send({ phase });
  } else if (message.watch !== undefined) {
    watching = { api: message.watch, count: message.count };
    answerWatch();
  }
});
process.on('disconnect', () => process.exit(0));
