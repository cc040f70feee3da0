// The Tushare replica in its own process, as a real API would be: the engine measured in the
// parent does not share its event loop or its core with the server it calls. Takes the market
// and account as JSON in argv[2]; reports its URL over IPC.
import { startTushareSandbox } from '@dsync/sandbox';

const { market, token, tier, windowMs } = JSON.parse(process.argv[2]);
const sandbox = await startTushareSandbox({ market, accounts: [{ token, tier }], windowMs });
process.send({ url: sandbox.url });
process.on('message', async (message) => {
  if (message === 'close') {
    await sandbox.close();
    process.exit(0);
  }
});
