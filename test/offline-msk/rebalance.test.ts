import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKafka, startLocalKafka } from '../../localstack/kafka/broker.js';
import {
  localKafkaClientSettings,
  localKafkaConsumerSettings,
} from '../../localstack/kafka/client-settings.js';
import { KafkaApiKey, KafkaErrorCode } from '../../localstack/kafka/faults.js';
import { startMapping } from '../../localstack/offline-msk/mapping-runner.js';
import { captureLog, decodeValue, recordsOf, sleep, TestFunction } from './helpers.js';

// Injected request errors are cluster-wide, so this file has a broker of its own: they must not
// reach the consumers of other test files.
let local: LocalKafka;
let kafka: Kafka;
let producer: Producer;

beforeAll(async () => {
  local = await startLocalKafka({ topics: [{ name: 'rebalance', partitions: 2 }] });
  kafka = new Kafka({
    brokers: local.bootstrapServers.split(','),
    ...localKafkaClientSettings,
    logLevel: logLevel.NOTHING,
  });
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await local?.stop();
});

describe('a rebalance of the mapping’s group', () => {
  it('restarts from the committed offsets, never running two invocations of a partition at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let failing = true;
    const fn = new TestFunction(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        // Long enough for the rejoin to happen while an invocation is in flight.
        await sleep(failing ? 1_500 : 50);
        if (failing) throw new Error('not yet');
      } finally {
        inFlight -= 1;
      }
    });
    const { logger, lines } = captureLog();
    const handle = startMapping({
      kafka,
      mapping: {
        functionName: 'svc-test-rebalance',
        topic: 'rebalance',
        batchSize: 5,
        maximumBatchingWindow: 0,
        retry: { backoffBaseMs: 100, backoffMaxMs: 200 },
      },
      invoke: fn.invoke,
      consumerSettings: localKafkaConsumerSettings,
      logger,
    });
    try {
      await handle.joined;
      await producer.send({
        topic: 'rebalance',
        messages: Array.from({ length: 8 }, (_, i) => ({ partition: 0, value: `v${i}` })),
      });
      await fn.until(() => fn.calls.length >= 2);

      // The next heartbeat says "rebalance in progress": the consumer rejoins while a batch is failing.
      await local.inject({
        type: 'request-errors',
        apiKey: KafkaApiKey.Heartbeat,
        errors: [KafkaErrorCode.RebalanceInProgress],
      });
      await expect.poll(() => lines.some((l) => l.includes('rejoined')), { timeout: 10_000 }).toBe(true);
      failing = false;
      await fn.until(
        () => fn.calls.some((c) => recordsOf(c.event).some((r) => decodeValue(r) === 'v7')),
        10_000,
      );
      await sleep(500);
    } finally {
      await handle.stop();
    }

    expect(maxInFlight).toBe(1);
    // Every batch starts where the last successful one ended (or repeats a failed one): no gap, no reordering.
    const batches = fn.calls.map((c) => recordsOf(c.event).map((r) => r.offset));
    let next = 0;
    for (const batch of batches) {
      expect(batch[0]).toBeLessThanOrEqual(next);
      expect(batch).toEqual(Array.from({ length: batch.length }, (_, i) => (batch[0] as number) + i));
      next = Math.max(next, (batch[batch.length - 1] as number) + 1);
    }
    expect(next).toBe(8);
  }, 20_000);
});
