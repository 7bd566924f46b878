import { keyPrefix } from '../config/env.js';
import { topicName } from '../config/topics.js';
import { publish } from '../kafka/producer.js';
import { ProjectionStore } from '../projection/store.js';
import { redisClient } from '../redis/client.js';
import { handleMskEvent } from './handle-msk-event.js';
import { projectorMetrics } from './metrics.js';
import type { BatchCounts } from './plan-batch.js';
import type { ProjectorOptions } from './project-batch.js';

let store: Promise<ProjectionStore> | undefined;

const live: ProjectorOptions = {
  publish: async (messages) => {
    await publish(
      messages.map(({ topic, key, value, headers }) => ({ topic: topicName(topic), key, value, headers })),
    );
  },
};

/**
 * The projector Lambda: an MSK event source mapping invokes it with batches of the commands topic; it
 * decides them, records the facts in the Redis projection, and publishes the facts to the facts topic
 * and the transfer saga's follow-ups to the commands topic.
 *
 * @example
 * ```ts
 * // functions/project-events.ts
 * export const handler = projectorHandler;
 * ```
 */
export async function projectorHandler(event: unknown): Promise<BatchCounts> {
  store ??= redisClient().then((redis) => new ProjectionStore(redis, keyPrefix()));
  store.catch(() => {
    store = undefined;
  });
  try {
    return await handleMskEvent(event, await store, live);
  } finally {
    projectorMetrics.publishStoredMetrics();
  }
}
