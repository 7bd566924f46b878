import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClientOptions } from '../../lib/kafka/client.js';
import { KafkaRejectedError, KafkaUnavailableError } from '../../lib/kafka/errors.js';
import { createPublisher, DEFAULT_PUBLISH_TIMEOUT_MS, type Publisher } from '../../lib/kafka/producer.js';
import { type LocalKafka, startLocalKafka } from '../../localstack/kafka/broker.js';
import { KafkaApiKey, KafkaErrorCode } from '../../localstack/kafka/faults.js';
import { localKafkaClient, readBack } from '../support/read-back.js';

// Runs with production timeouts (nothing overridden) unless a test says otherwise, so the elapsed
// times below are the budget a Lambda request sees.
describe('publisher when the broker fails', () => {
  let broker: LocalKafka;
  let client: KafkaClientOptions;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startLocalKafka({ topics: [] });
    client = { brokers: broker.bootstrapServers.split(','), auth: { mechanism: 'plaintext' } };
    kafka = localKafkaClient(broker.bootstrapServers);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const newTopic = async (partitions = 1): Promise<string> => {
    const name = `kafka-adapter-${randomUUID().slice(0, 8)}`;
    await broker.createTopic(name, partitions);
    return name;
  };

  const timed = async <T>(work: () => Promise<T>): Promise<{ result: T | unknown; ms: number }> => {
    const started = performance.now();
    const result = await work().catch((e: unknown) => e);
    return { result, ms: Math.round(performance.now() - started) };
  };

  it('fails fast with KafkaUnavailableError while the broker is down, and recovers on the same instance', async () => {
    const topic = await newTopic();
    const publisher: Publisher = createPublisher({ client });
    try {
      await publisher.publish([{ topic, key: 'k', value: 'before' }]);

      await broker.inject({ type: 'broker-down' });
      const down = await timed(() => publisher.publish([{ topic, key: 'k', value: 'during' }]));
      const again = await timed(() => publisher.publish([{ topic, key: 'k', value: 'during-2' }]));
      await broker.inject({ type: 'broker-up' });
      const back = await timed(() => publisher.publish([{ topic, key: 'k', value: 'after' }]));

      console.info(
        `broker down: first publish failed in ${down.ms} ms, second in ${again.ms} ms; recovered publish took ${back.ms} ms`,
      );
      expect(down.result).toBeInstanceOf(KafkaUnavailableError);
      expect((down.result as KafkaUnavailableError).retryAfterSeconds).toBe(1);
      expect(down.ms).toBeLessThan(DEFAULT_PUBLISH_TIMEOUT_MS + 250);
      expect(again.result).toBeInstanceOf(KafkaUnavailableError);
      expect(again.ms).toBeLessThan(DEFAULT_PUBLISH_TIMEOUT_MS + 250);
      expect(Array.isArray(back.result)).toBe(true);

      const values = (await readBack(kafka, topic, 2)).map((r) => r.value);
      expect(values).toEqual(['before', 'after']);
    } finally {
      await broker.inject({ type: 'broker-up' });
      await publisher.disconnect();
    }
  });

  it('fails fast on a cold start when nothing listens at the bootstrap address', async () => {
    const port = await closedPort();
    const publisher = createPublisher({
      client: { brokers: [`127.0.0.1:${port}`], auth: { mechanism: 'plaintext' } },
    });
    try {
      const cold = await timed(() => publisher.publish([{ topic: 'any', key: 'k', value: 'v' }]));
      console.info(`cold start, connection refused: failed in ${cold.ms} ms`);
      expect(cold.result).toBeInstanceOf(KafkaUnavailableError);
      expect(cold.ms).toBeLessThan(DEFAULT_PUBLISH_TIMEOUT_MS + 250);
    } finally {
      await publisher.disconnect();
    }
  });

  it('fails within the budget on a cold start when the broker accepts connections but never answers', async () => {
    const silent = await silentServer();
    const publisher = createPublisher({
      client: { brokers: [`127.0.0.1:${silent.port}`], auth: { mechanism: 'plaintext' } },
    });
    try {
      const cold = await timed(() => publisher.publish([{ topic: 'any', key: 'k', value: 'v' }]));
      console.info(`cold start, broker silent: failed in ${cold.ms} ms`);
      expect(cold.result).toBeInstanceOf(KafkaUnavailableError);
      expect(cold.ms).toBeLessThan(DEFAULT_PUBLISH_TIMEOUT_MS + 250);
    } finally {
      await publisher.disconnect();
      await silent.close();
    }
  });

  it('gives up at the publish deadline when the broker stops answering, then recovers', async () => {
    const topic = await newTopic();
    const publishTimeoutMs = 1_500;
    const publisher = createPublisher({ client, publishTimeoutMs });
    try {
      await publisher.publish([{ topic, key: 'k', value: 'before' }]);

      await broker.inject({ type: 'rtt', rttMs: 10_000 });
      const stuck = await timed(() => publisher.publish([{ topic, key: 'k', value: 'stuck' }]));
      await broker.inject({ type: 'rtt', rttMs: 0 });
      const back = await timed(() => publisher.publish([{ topic, key: 'k', value: 'after' }]));

      console.info(
        `broker silent: failed in ${stuck.ms} ms (deadline ${publishTimeoutMs}); recovered in ${back.ms} ms`,
      );
      expect(stuck.result).toBeInstanceOf(KafkaUnavailableError);
      expect(stuck.ms).toBeGreaterThanOrEqual(publishTimeoutMs - 5);
      expect(stuck.ms).toBeLessThan(publishTimeoutMs + 250);
      expect(Array.isArray(back.result)).toBe(true);
    } finally {
      await broker.inject({ type: 'rtt', rttMs: 0 });
      await publisher.disconnect();
    }
  });

  describe('when the broker delays or refuses a produce', () => {
    let publisher: Publisher;
    beforeAll(() => {
      publisher = createPublisher({ client });
    });
    afterAll(async () => {
      await publisher?.disconnect();
    });

    it('resolves only once the broker has appended the record', async () => {
      const topic = await newTopic(1);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await broker.inject({ type: 'rtt', rttMs: 400 });
        const started = Date.now();
        const [where] = await publisher.publish([{ topic, key: 'k', value: 'v' }]);
        const elapsed = Date.now() - started;
        await broker.inject({ type: 'rtt', rttMs: 0 });

        // The broker delays its answer by 400 ms; a publish that did not wait for it would be faster.
        expect(elapsed).toBeGreaterThanOrEqual(400);
        const [offsets] = await admin.fetchTopicOffsets(topic);
        expect(BigInt(offsets?.high ?? '0')).toBe(BigInt(where?.offset ?? '-1') + 1n);
      } finally {
        await broker.inject({ type: 'rtt', rttMs: 0 });
        await admin.disconnect();
      }
    });

    it('retries transient leader errors within the publish', async () => {
      const topic = await newTopic(1);
      await broker.inject({
        type: 'request-errors',
        apiKey: KafkaApiKey.Produce,
        errors: [KafkaErrorCode.NotLeaderOrFollower, KafkaErrorCode.NotEnoughReplicas],
      });

      const [where] = await publisher.publish([{ topic, key: 'k', value: 'after two transient errors' }]);

      const [seen] = await readBack(kafka, topic, 1);
      expect(seen?.offset).toBe(where?.offset);
      expect(seen?.value).toBe('after two transient errors');
    });

    it('reports a non-retriable broker verdict as KafkaRejectedError, then publishes again', async () => {
      const topic = await newTopic(1);
      await broker.inject({
        type: 'request-errors',
        apiKey: KafkaApiKey.Produce,
        errors: [KafkaErrorCode.TopicAuthorizationFailed],
      });

      const error = await publisher.publish([{ topic, key: 'k', value: 'refused' }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaRejectedError);
      expect((error as KafkaRejectedError).reason).toBe('TOPIC_AUTHORIZATION_FAILED');

      const [where] = await publisher.publish([{ topic, key: 'k', value: 'accepted' }]);
      const [seen] = await readBack(kafka, topic, 1);
      expect(seen).toMatchObject({ offset: where?.offset, value: 'accepted' });
    });
  });

  it('starts the next publish on a fresh connection and stops retrying an abandoned one', async () => {
    const topic = await newTopic();
    await broker.inject({ type: 'partition-leader', topic, partition: 0, brokerId: 1 });
    // Short client timeouts so an abandoned attempt would retry within this test, not after it.
    const publisher = createPublisher({
      client: { ...client, timeouts: { requestTimeoutMs: 1_500 } },
      ackTimeoutMs: 1_000,
      publishTimeoutMs: 1_000,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await publisher.publish([{ topic, key: 'k', value: 'before' }]);

      // The leader holds its answer to the next produce request for 3 s, then fails it (retriable).
      await broker.inject({
        type: 'request-errors',
        apiKey: KafkaApiKey.Produce,
        brokerId: 1,
        rttMs: 3_000,
        errors: [KafkaErrorCode.RequestTimedOut],
      });
      const abandoned = await timed(() => publisher.publish([{ topic, key: 'k', value: 'abandoned' }]));
      // On the old connection this would queue behind the held request and miss its own deadline.
      const next = await timed(() => publisher.publish([{ topic, key: 'k', value: 'after' }]));

      console.info(`held produce: failed in ${abandoned.ms} ms; next publish took ${next.ms} ms`);
      expect(abandoned.result).toBeInstanceOf(KafkaUnavailableError);
      expect(Array.isArray(next.result)).toBe(true);
      expect(next.ms).toBeLessThan(500);

      // Give the abandoned attempt time to hit its request timeout (1.5 s after it was sent) and to
      // retry (backoff ~100 ms) if it were going to.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const [offsets] = await admin.fetchTopicOffsets(topic);
      expect(offsets?.high).toBe('2');
      expect((await readBack(kafka, topic, 2)).map((r) => r.value)).toEqual(['before', 'after']);
    } finally {
      await admin.disconnect();
      await publisher.disconnect();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// Accepts TCP connections and never answers, like a hung broker.
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
