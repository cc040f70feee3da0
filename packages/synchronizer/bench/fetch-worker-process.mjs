// One fetch worker in its own process, for scale-out.bench.mjs: the built @dsync packages as a
// deployment would run them. Its own connections to everything: the limits shared in Redis
// (RedisLimits), the task queue on RabbitMQ, the sandbox's Tushare client, and PostgreSQL as
// both sink and ledger. Takes its configuration as JSON in argv[2]; says `ready` over IPC once
// it consumes; on SIGTERM (or when its parent is gone) it stops, hands back what it holds,
// reports its stats over IPC and exits.
import { DataSourceRegistry } from '@dsync/datasource';
import { createRabbitTaskQueue, createStorage } from '@dsync/storage-adapters';
import { createTushareClient, FetchWorker, RedisLimits } from '@dsync/synchronizer';

const config = JSON.parse(process.argv[2]);
const storage = createStorage({ url: config.database });
await storage.ready();
const shared = new RedisLimits({ url: config.redis, prefix: config.prefix });
await shared.ready();
const queue = createRabbitTaskQueue({
  url: config.amqp,
  queue: config.queue,
  connectionName: config.worker,
});
const worker = new FetchWorker({
  registry: DataSourceRegistry.load(config.sources),
  queue,
  clients: {
    tushare: createTushareClient({
      token: config.token,
      baseUrl: config.sandbox,
      rateWindowMs: config.windowMs,
      timeoutMs: 10_000,
    }),
  },
  accounts: { tushare: { limits: config.limits } },
  shared,
  sink: storage,
  checkpoints: storage.checkpoints,
  worker: config.worker,
});
await worker.start();
process.send({ ready: true });

let stopping;
function stop() {
  stopping ??= (async () => {
    await worker.stop();
    await queue.close();
    await shared.close();
    await storage.close();
    if (process.connected) process.send({ stats: worker.stats }, () => process.exit(0));
    else process.exit(0);
  })().catch((error) => {
    console.error(`${config.worker}: ${error?.stack ?? error}`);
    process.exit(1);
  });
}
process.once('SIGTERM', stop);
process.once('disconnect', stop);
