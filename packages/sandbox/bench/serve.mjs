// A server for the benchmark, in its own process so the load generator does not share
// its event loop. `static <file>` answers every request with one fixed body (the
// baseline: HTTP and bytes alone); `tushare <symbols> <start> <end>` runs the replica.
// It reports its URL over IPC and answers 'memory' with its resident and peak sizes.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { startTushareSandbox } from '@dsync/sandbox';

const [mode, ...args] = process.argv.slice(2);

function memory() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

let url;
if (mode === 'static') {
  const body = readFileSync(args[0]);
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
      });
      response.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
} else {
  const [symbols, start, end] = args;
  const sandbox = await startTushareSandbox({
    market: { seed: 'bench', symbols: Number(symbols), start, end },
    accounts: [{ token: 'bench', tier: { perMinute: 1e9, apis: 'all' } }],
  });
  url = sandbox.url;
}
process.send({ url, ...memory() });
process.on('message', (message) => {
  if (message === 'memory') process.send(memory());
});
