import { keyPrefix } from '../config/env.js';
import { topicName } from '../config/topics.js';
import { publish } from '../kafka/producer.js';
import { ProjectionStore } from '../projection/store.js';
import { redisClient } from '../redis/client.js';
import { handleMskEvent } from './handle-msk-event.js';
import { projectorMetrics } from './metrics.js';
import type { BatchCounts } from './plan-batch.js';
import type { ProjectionMode } from './project-batch.js';

let store: Promise<ProjectionStore> | undefined;

const live: ProjectionMode = {
  kind: 'live',
  publish: async (messages) => {
    const topic = topicName('commands');
    await publish(messages.map(({ key, value, headers }) => ({ topic, key, value, headers })));
  },
};

/**
 * The projector Lambda: an MSK event source mapping invokes it with batches; it applies them to the
 * Redis projection and publishes the transfer saga's follow-ups.
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
