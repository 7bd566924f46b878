import { randomUUID } from 'node:crypto';
import { topicName } from '../../lib/config/topics.js';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent } from '../../lib/events/codec.js';
import { type LocalKafka, startLocalKafka } from '../../localstack/kafka/broker.js';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { apiClient } from '../support/http-client.js';
import { testToken } from '../support/tokens.js';
import { localKafkaClient, readBack, recordCount } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';

// A broker of its own: taking the shared one down would fail every other suite running meanwhile.
describe('a command while Kafka is unreachable', () => {
  const topicPrefix = 'banku';
  const topic = topicName('commands', topicPrefix);
  let broker: LocalKafka;
  let offline: RunningOffline;
  let kafka: Kafka;
  let call: ReturnType<typeof apiClient>;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    broker = await startLocalKafka({ topics: [{ name: topic, partitions: 3 }] });
    const redis = await testRedis('kafka-down');
    cleanupRedis = redis.cleanup;
    offline = await startOffline({
      env: {
        KAFKA_BROKERS: broker.bootstrapServers,
        KAFKA_TOPIC_PREFIX: topicPrefix,
        REDIS_KEY_PREFIX: redis.prefix,
        OFFLINE_MSK_ENABLED: 'false',
      },
    });
    kafka = localKafkaClient(broker.bootstrapServers);
    call = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'kafka-down-customer' }));
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await broker?.stop();
    await cleanupRedis?.();
  });

  it('answers 503 with Retry-After, publishes nothing, and a retry with the same key succeeds exactly once', async () => {
    const account = randomUUID();
    const deposit = (key: string) =>
      call('POST', '/accounts/{id}/deposits', `/accounts/${account}/deposits`, {
        body: { amount: 300 },
        headers: { 'Idempotency-Key': key },
      });
    // Warm: the producer is connected when the broker goes away, as in a busy Lambda.
    expect((await deposit(`warm-${randomUUID()}`)).status).toBe(202);

    await broker.inject({ type: 'broker-down' });
    const key = `retry-${randomUUID()}`;
    const refused = await deposit(key);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'kafka_unavailable', transactionId: expect.any(String) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    await broker.inject({ type: 'broker-up' });
    let accepted = await deposit(key);
    // The producer reconnects on the next call; the first one after an outage may still meet it down.
    for (let attempt = 0; accepted.status === 503 && attempt < 10; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      accepted = await deposit(key);
    }
    expect(accepted.status).toBe(202);
    const again = await deposit(key);
    expect(again.body).toEqual(accepted.body);
    // The 503 named the transaction the retry then confirmed: a client can look it up either way.
    expect((refused.body as { transactionId: string }).transactionId).toBe(
      (accepted.body as { transactionId: string }).transactionId,
    );

    // warm-up, the accepted retry and its replay: the refused attempt left nothing in the log.
    expect(await recordCount(kafka, topic)).toBe(3);
    const records = await readBack(kafka, topic, 3);
    const events = records
      .map((record) => decodeEvent(record.value ?? null))
      .flatMap((r) => (r.ok ? [r.event] : []));
    const forKey = events.filter((event) => event.metadata.idempotencyKey === key);
    // Published once per accepted request, always with the same event id: the projector applies it once.
    expect(forKey.length).toBeGreaterThanOrEqual(1);
    expect(new Set(forKey.map((event) => event.eventId)).size).toBe(1);
    expect(forKey[0]?.data.transactionId).toBe((accepted.body as { transactionId: string }).transactionId);
  });
});
