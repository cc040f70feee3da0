import { describe, it } from '@jest/globals';
import type { Sink } from '@dsync/datasource';
import { CONTRACT_SOURCE, contractText, sinkContract } from '../src/contract/sink-contract.js';
import { createMemorySink } from '../src/memory-sink.js';
import { consume } from '../src/rabbitmq/consumer.js';
import { createRabbitSink } from '../src/rabbitmq/sink.js';
import { deleteTopology, RABBITMQ_URL, waitFor, topologyNames, useBroker } from './services.js';

useBroker();

// The adapter under test is the whole path: RabbitMQ sink → queue → consumer → memory sink.
describe('the Sink contract: RabbitMQ sink, read back through a consumer', () => {
  for (const c of sinkContract(async () => {
    const names = topologyNames();
    const rabbit = createRabbitSink({ url: RABBITMQ_URL, ...names });
    const memory = createMemorySink();
    const consumer = consume({
      url: RABBITMQ_URL,
      queue: names.queue,
      sink: memory,
      sources: (id) => (id === CONTRACT_SOURCE.id ? CONTRACT_SOURCE : undefined),
    });
    await consumer.ready();
    let confirmed = 0;
    const sink: Sink = {
      ...rabbit,
      write: (batch, source) => rabbit.write(batch, source).then(() => void (confirmed += 1)),
    };
    return {
      sink,
      async rows(source) {
        await waitFor(() => consumer.stats().acked >= confirmed, `${confirmed} batches consumed`);
        return memory.rows(source.id).map(contractText);
      },
      async cleanup() {
        await consumer.close();
        await deleteTopology(RABBITMQ_URL, names);
      },
    };
  })) {
    it(c.name, () => c.run(), 30_000);
  }
});
