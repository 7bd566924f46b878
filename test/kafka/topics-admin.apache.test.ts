import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_PARTITIONS, TOPICS, topicName } from '../../lib/config/topics.js';
import {
  catalogueTopics,
  ensureTopics,
  TopicMismatchError,
  type WantedTopic,
} from '../../lib/kafka/topics-admin.js';
import { ensureApacheKafka } from '../../localstack/kafka/apache/install.js';
import { localKafkaClientSettings } from '../../localstack/kafka/client-settings.js';
import { composeTopicsScript } from '../../localstack/kafka/compose-topics.js';

// Topic administration against the stack's Apache Kafka (the mock has no CreateTopics or DescribeConfigs).
describe('topics from the catalogue on Apache Kafka', () => {
  const admin = new kafkajs.Kafka({
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    ...localKafkaClientSettings,
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('creates the catalogue’s topics once, then finds them as wanted', async () => {
    const wanted = catalogueTopics(`admin-${randomUUID().slice(0, 8)}`, DEFAULT_TOPIC_PARTITIONS);

    expect(await ensureTopics(admin, wanted)).toEqual({ created: wanted.map((t) => t.name), existing: [] });
    expect(await ensureTopics(admin, wanted)).toEqual({ created: [], existing: wanted.map((t) => t.name) });
  });

  it('names every difference of a topic that exists with other partitions or configs', async () => {
    const topic: WantedTopic = {
      name: topicName('facts', `drift-${randomUUID().slice(0, 8)}`),
      partitions: 3,
      configs: TOPICS.facts.configs,
    };
    await admin.createTopics({
      topics: [
        {
          topic: topic.name,
          numPartitions: 2,
          configEntries: [{ name: 'retention.ms', value: '604800000' }],
        },
      ],
    });

    const error = await ensureTopics(admin, [topic]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TopicMismatchError);
    expect((error as TopicMismatchError).differences).toEqual([
      expect.stringMatching(new RegExp(`^${topic.name}: 2 partitions, the catalogue wants 3 `)),
      expect.stringMatching(new RegExp(`^${topic.name}: retention.ms=604800000, the catalogue wants -1 `)),
    ]);
  });

  it('docker-compose’s script creates exactly the topics the catalogue defines', async () => {
    const prefix = `compose-${randomUUID().slice(0, 8)}`;
    const { java, libsDir } = await ensureApacheKafka();
    // What the container runs, with kafka-topics.sh as what it wraps (Kafka's TopicCommand), the
    // stack's broker for the compose one, and compose's `$$` unescaped.
    const script = composeTopicsScript()
      .replaceAll(
        '/opt/kafka/bin/kafka-topics.sh',
        `'${java}' -XX:TieredStopAtLevel=1 -cp '${libsDir}/*' org.apache.kafka.tools.TopicCommand`,
      )
      .replaceAll('kafka:9092', process.env.KAFKA_BROKERS ?? '')
      .replaceAll('$$', '$');
    await promisify(execFile)('bash', ['-ec', script], {
      env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix },
    });

    // Nothing to create and no difference: ensureTopics rejects with every mismatch otherwise.
    const result = await ensureTopics(admin, catalogueTopics(prefix, DEFAULT_TOPIC_PARTITIONS));
    expect(result.created).toEqual([]);
    expect(result.existing).toHaveLength(3);
  }, 120_000);
});
