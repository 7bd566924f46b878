/**
 * The bench's stand-in for the projector under serverless-offline, used only while the offline MSK
 * plugin is not wired into serverless.yml: the event source mapping runner of `localstack/offline-msk`
 * invoking `handleMskEvent` in this process (as `test/projector/invariants.kafka.test.ts` wires it),
 * with the service topic, key prefix and publisher of a real deployment. It lacks only the Lambda
 * Invoke hop (JSON over HTTP into a worker thread), a few milliseconds per batch.
 *
 * Usage: `node --import tsx localstack/bench/projector-runner.ts '<RunnerConfig json>'` with the stack's
 * environment; prints `BENCH_PROJECTOR joined` once consuming, stops on SIGTERM.
 */
import kafkajs from 'kafkajs';
import { topicName } from '../../lib/config/topics.js';
import { createPublisher } from '../../lib/kafka/producer.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { localKafkaClientSettings } from '../kafka/client-settings.js';
import { startMapping } from '../offline-msk/mapping-runner.js';

/** What the runner is told. */
export interface RunnerConfig {
  /** The service's topics' prefix: requests are read from its commands topic, facts go to its facts topic. */
  topicPrefix: string;
  prefix: string;
  groupId: string;
  batchSize: number;
  /** Seconds, as `maximumBatchingWindow` in serverless.yml. */
  maximumBatchingWindow: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as RunnerConfig;
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const store = new ProjectionStore(await createRedisClient(process.env), config.prefix);
const publisher = createPublisher({ client: { brokers, auth: { mechanism: 'plaintext' } } });
const live: ProjectorOptions = {
  publish: async (messages) => {
    await publisher.publish(
      messages.map(({ topic, key, value, headers }) => ({
        topic: topicName(topic, config.topicPrefix),
        key,
        value,
        headers,
      })),
    );
  },
};
const mapping = startMapping({
  brokers,
  clientSettings: { ...localKafkaClientSettings, logLevel: kafkajs.logLevel.NOTHING },
  mapping: {
    functionName: 'banku-dev-projectEvents',
    topic: topicName('commands', config.topicPrefix),
    batchSize: config.batchSize,
    maximumBatchingWindow: config.maximumBatchingWindow,
    startingPosition: 'TRIM_HORIZON',
    consumerGroupId: config.groupId,
  },
  invoke: (event) => handleMskEvent(event, store, live),
  logger: { warn: (m) => console.error(m), error: (m) => console.error(m) },
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await mapping.stop();
    await publisher.disconnect();
    process.exit(0);
  })();
});

await mapping.joined;
console.log('BENCH_PROJECTOR joined');
