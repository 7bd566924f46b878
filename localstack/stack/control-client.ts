import { DEFAULT_TOPIC_PARTITIONS, topicSet } from '../../lib/config/topics.js';
import type { BrokerFault } from '../kafka/types.js';

/**
 * Talks to the stack's control server (`LOCAL_STACK_CONTROL_URL`) from any process.
 *
 * @example
 * ```ts
 * const control = localStackControl();
 * await control.createTopic(`test-${randomUUID()}`, 3);
 * ```
 */
export function localStackControl(url = process.env.LOCAL_STACK_CONTROL_URL) {
  if (!url) {
    throw new Error(
      'LOCAL_STACK_CONTROL_URL is not set: start the local stack (npm run stack) or run under the test setup.',
    );
  }
  const post = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`local stack control ${path} failed: ${response.status} ${await response.text()}`);
  };
  return {
    createTopic: (name: string, partitions: number, configs: Readonly<Record<string, string>> = {}) =>
      post('/topics', { name, partitions, configs }),
    /** Every topic of a deployment with this prefix (commands, facts, dead letters), with its configs. */
    createTopicSet: async (prefix: string, partitions = DEFAULT_TOPIC_PARTITIONS) => {
      for (const { name, configs } of topicSet(prefix)) await post('/topics', { name, partitions, configs });
    },
    inject: (fault: BrokerFault) => post('/faults', fault),
  };
}
