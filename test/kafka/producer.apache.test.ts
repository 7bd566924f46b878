import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClientOptions } from '../../lib/kafka/client.js';
import { KafkaRejectedError, KafkaUnavailableError } from '../../lib/kafka/errors.js';
import { createPublisher, DEFAULT_PUBLISH_TIMEOUT_MS } from '../../lib/kafka/producer.js';
import { type ApacheKafka, startApacheKafka } from '../../localstack/kafka/apache/apache-broker.js';
import { localKafkaClient, readBack } from '../support/read-back.js';

/**
 * The publisher under real broker faults, the Apache counterparts of producer-faults.test.ts's
 * injected ones: a broker that is killed and restarted, one that hangs (SIGSTOP), and a broker
 * verdict provoked by a topic config. (Retriable produce verdicts have no equivalent on one node:
 * Kafka 4.4 accepts acks=all produces to a topic whose min.insync.replicas exceeds its replication
 * factor, where Kafka 3 answered NOT_ENOUGH_REPLICAS; those stay with the mock.) A broker of this file's own, with production client timeouts.
 */
describe('publisher when Apache Kafka fails', () => {
  let dataDir: string;
  let broker: ApacheKafka;
  let client: KafkaClientOptions;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'banku-producer-kafka-'));
    broker = await startApacheKafka({ dataDir });
    client = { brokers: [broker.bootstrapServers], auth: { mechanism: 'plaintext' } };
    kafka = localKafkaClient(broker.bootstrapServers);
    admin = kafka.admin();
    await admin.connect();
  }, 240_000);
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const newTopic = async (configs: Record<string, string> = {}): Promise<string> => {
    const name = `kafka-adapter-${randomUUID().slice(0, 8)}`;
    await broker.createTopic(name, 1, configs);
    return name;
  };
  const timed = async <T>(work: () => Promise<T>): Promise<{ result: T | unknown; ms: number }> => {
    const started = performance.now();
    const result = await work().catch((e: unknown) => e);
    return { result, ms: Math.round(performance.now() - started) };
  };

  it('resolves only once the broker has appended the record: not while the broker is stopped', async () => {
    const topic = await newTopic();
    const publisher = createPublisher({ client });
    try {
      await publisher.publish([{ topic, key: 'k', value: 'warm' }]);
      broker.signal('SIGSTOP');
      let resolved = false;
      const publishing = timed(() =>
        publisher.publish([{ topic, key: 'k', value: 'v' }]).finally(() => {
          resolved = true;
        }),
      );
      await sleep(400);
      const resolvedWhileStopped = resolved;
      broker.signal('SIGCONT');
      const { result, ms } = await publishing;

      expect(resolvedWhileStopped).toBe(false);
      expect(ms).toBeGreaterThanOrEqual(400);
      const [where] = result as { offset: string }[];
      const [offsets] = await admin.fetchTopicOffsets(topic);
      expect(BigInt(offsets?.high ?? '0')).toBe(BigInt(where?.offset ?? '-1') + 1n);
    } finally {
      broker.signal('SIGCONT');
      await publisher.disconnect();
    }
  });

  it('reports a non-retriable verdict (a record over max.message.bytes) as KafkaRejectedError, then publishes again', async () => {
    const topic = await newTopic({ 'max.message.bytes': '1024' });
    const publisher = createPublisher({ client });
    try {
      const error = await publisher
        .publish([{ topic, key: 'k', value: 'x'.repeat(4_096) }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaRejectedError);
      expect((error as KafkaRejectedError).reason).toBe('MESSAGE_TOO_LARGE');

      const [where] = await publisher.publish([{ topic, key: 'k', value: 'accepted' }]);
      const [seen] = await readBack(kafka, topic, 1);
      expect(seen).toMatchObject({ offset: where?.offset, value: 'accepted' });
    } finally {
      await publisher.disconnect();
    }
  });

  it('gives up at the publish deadline while the broker hangs, then recovers when it continues', async () => {
    const topic = await newTopic();
    const publishTimeoutMs = 1_500;
    const publisher = createPublisher({ client, publishTimeoutMs });
    try {
      await publisher.publish([{ topic, key: 'k', value: 'before' }]);
      broker.signal('SIGSTOP');
      const stuck = await timed(() => publisher.publish([{ topic, key: 'k', value: 'stuck' }]));
      broker.signal('SIGCONT');
      const back = await timed(() => publisher.publish([{ topic, key: 'k', value: 'after' }]));

      console.info(
        `broker stopped: failed in ${stuck.ms} ms (deadline ${publishTimeoutMs}); recovered in ${back.ms} ms`,
      );
      expect(stuck.result).toBeInstanceOf(KafkaUnavailableError);
      expect(stuck.ms).toBeGreaterThanOrEqual(publishTimeoutMs - 5);
      expect(stuck.ms).toBeLessThan(publishTimeoutMs + 250);
      expect(Array.isArray(back.result)).toBe(true);
    } finally {
      broker.signal('SIGCONT');
      await publisher.disconnect();
    }
  });

  it('fails fast while the broker is dead (SIGKILL), and recovers on the same instance once it restarts on its log', async () => {
    const topic = await newTopic();
    const publisher = createPublisher({ client });
    try {
      await publisher.publish([{ topic, key: 'k', value: 'before' }]);
      broker.signal('SIGKILL');
      await broker.exited();
      const down = await timed(() => publisher.publish([{ topic, key: 'k', value: 'during' }]));
      const again = await timed(() => publisher.publish([{ topic, key: 'k', value: 'during-2' }]));
      await broker.restart();
      const back = await timed(() => publisher.publish([{ topic, key: 'k', value: 'after' }]));

      console.info(
        `broker killed: publishes failed in ${down.ms} and ${again.ms} ms; restart took ${broker.startMs} ms; recovered publish took ${back.ms} ms`,
      );
      expect(down.result).toBeInstanceOf(KafkaUnavailableError);
      expect(down.ms).toBeLessThan(DEFAULT_PUBLISH_TIMEOUT_MS + 250);
      expect(again.result).toBeInstanceOf(KafkaUnavailableError);
      expect(again.ms).toBeLessThan(DEFAULT_PUBLISH_TIMEOUT_MS + 250);
      expect(Array.isArray(back.result)).toBe(true);
      // The log survived the crash: what was acknowledged before it is still there, in order.
      expect((await readBack(kafka, topic, 2)).map((r) => r.value)).toEqual(['before', 'after']);
    } finally {
      if (!broker.running()) await broker.restart();
      await publisher.disconnect();
    }
  }, 240_000);
});
