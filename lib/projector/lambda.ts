import { keyPrefix } from '../config/env.js';
import { topicName } from '../config/topics.js';
import type { Kafka } from 'kafkajs';
import { createKafka, kafkaClientOptionsFromEnv } from '../kafka/client.js';
import { publish } from '../kafka/producer.js';
import { restorePartition } from '../rebuild/restore-partition.js';
import { ProjectionStore } from '../projection/store.js';
import { redisClient } from '../redis/client.js';
import { handleMskEvent } from './handle-msk-event.js';
import { projectorMetrics } from './metrics.js';
import type { BatchCounts } from './plan-batch.js';
import type { ProjectorOptions } from './project-batch.js';

let store: Promise<ProjectionStore> | undefined;

let kafka: Promise<Kafka> | undefined;

const live: ProjectorOptions = {
  publish: async (messages) => {
    await publish(
      messages.map(({ topic, key, value, headers }) => ({ topic: topicName(topic), key, value, headers })),
    );
  },
  restore: async (lost) => {
    kafka ??= kafkaClientOptionsFromEnv(process.env).then(createKafka);
    kafka.catch(() => {
      kafka = undefined;
    });
    await restorePartition({
      kafka: await kafka,
      factsTopic: topicName('facts'),
      store: await projectionStore(),
      partition: lost.partition,
      follows: lost.follows,
    });
  },
};

function projectionStore(): Promise<ProjectionStore> {
  store ??= redisClient().then((redis) => new ProjectionStore(redis, keyPrefix()));
  store.catch(() => {
    store = undefined;
  });
  return store;
}

/**
 * The projector Lambda: an MSK event source mapping invokes it with batches of the commands topic; it
 * decides them, records the facts in the Redis projection, and publishes the facts to the facts topic,
 * the transfer saga's follow-ups to the commands topic and dead letters to the dead-letter topic. A
 * partition whose projection state was lost is restored from the facts topic before it decides again.
 *
 * @example
 * ```ts
 * // functions/project-events.ts
 * export const handler = projectorHandler;
 * ```
 */
export async function projectorHandler(event: unknown): Promise<BatchCounts> {
  try {
    return await handleMskEvent(event, await projectionStore(), live);
  } finally {
    projectorMetrics.publishStoredMetrics();
  }
}
