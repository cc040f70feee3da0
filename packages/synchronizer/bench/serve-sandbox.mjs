// The Tushare replica in its own process, as a real API would be: the engine measured in the
// parent does not share its event loop or its core with the server it calls. Takes the market
// and account (and the answer time, `latencyMs`) as JSON in argv[2]; reports its URL over IPC. With `trace`, it keeps the time of
// every call it served (its own clock, as the API counts them): `report` answers with them and
// the counters, `reset` clears both. It exits when told to `close`, or when its parent is gone.
import { startTushareSandbox } from '@dsync/sandbox';

const { market, token, tier, windowMs, latencyMs, trace = false } = JSON.parse(process.argv[2]);
let served = [];
let sandbox;
// The limits read the clock once per call that reaches them, just before the call is counted
// served or throttled (synchronously): a microtask then tells which it was.
const now = () => {
  const t = Date.now();
  if (trace && sandbox !== undefined) {
    const before = sandbox.counters().total.served;
    queueMicrotask(() => {
      if (sandbox.counters().total.served > before) served.push(t);
    });
  }
  return t;
};
sandbox = await startTushareSandbox({
  market,
  accounts: [{ token, tier }],
  windowMs,
  now,
  ...(latencyMs === undefined ? {} : { latencyMs }),
});
process.send({ url: sandbox.url });
process.on('message', async (message) => {
  if (message === 'report') process.send({ counters: sandbox.counters(), served });
  else if (message === 'reset') {
    sandbox.resetCounters();
    served = [];
    process.send({ reset: true });
  } else if (message === 'close') {
    await sandbox.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
