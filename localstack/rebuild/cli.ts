/**
 * `npm run rebuild [-- --until <ISO time>] [-- --namespace <name>]`: rebuilds the projection from the
 * facts topic, never deciding anything again. Without `--until`, into a fresh namespace that readers
 * are then switched to; with it, into a separate point-in-time namespace that nothing switches to.
 *
 * Reads the same variables as the service: KAFKA_BROKERS (or MSK_CLUSTER_ARN with IAM auth),
 * KAFKA_TOPIC_PREFIX, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, REDIS_KEY_PREFIX.
 */
import { parseArgs } from 'node:util';
import { keyPrefix } from '../../lib/config/env.js';
import { topicName } from '../../lib/config/topics.js';
import { createKafka, kafkaClientOptionsFromEnv } from '../../lib/kafka/client.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { rebuildProjection } from '../../lib/rebuild/rebuild-projection.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { localKafkaConsumerSettings } from '../kafka/client-settings.js';

const { values } = parseArgs({
  options: { until: { type: 'string' }, namespace: { type: 'string' } },
  strict: true,
});
const until = values.until === undefined ? undefined : new Date(values.until);
if (until && Number.isNaN(until.getTime())) {
  console.error(`--until must be an ISO-8601 time such as 2026-11-22T12:00:00Z, got "${values.until}"`);
  process.exit(2);
}

try {
  const kafka = createKafka(await kafkaClientOptionsFromEnv(process.env));
  const store = new ProjectionStore(await createRedisClient(process.env), keyPrefix());
  const result = await rebuildProjection({
    kafka,
    factsTopic: topicName('facts'),
    commandsTopic: topicName('commands'),
    store,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(until ? { until } : {}),
    switchWhenCaughtUp: until === undefined,
    // Local and remote clusters alike: short fetch waits keep a rebuild from idling at each poll.
    consumer: localKafkaConsumerSettings,
    onProgress: (message) => console.log(message),
  });
  if (result.switched) {
    console.log(`done: ${result.facts} facts; readers now use namespace ${result.namespace}`);
    console.log(
      `the previous namespace ${result.previousNamespace} is left in place; delete its keys when satisfied`,
    );
  } else {
    console.log(
      `done: ${result.facts} facts as of ${until?.toISOString() ?? 'now'} in namespace ${result.namespace}`,
    );
    const root = `${keyPrefix()}:ns:${result.namespace}`;
    console.log('read it through the read functions deployed or run with this variable set:');
    console.log(`  PROJECTION_NAMESPACE=${result.namespace}`);
    console.log(`or straight from Redis, e.g. redis-cli GET ${root}:acct:<accountId>`);
  }
  process.exit(0);
} catch (error) {
  console.error(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
