import { randomUUID } from 'node:crypto';
import kafkajs, { type Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { projectionKeys } from '../../lib/projection/keys.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import type { DeadLetter } from '../../lib/projection/types.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { localKafkaClientSettings } from '../../localstack/kafka/client-settings.js';
import { type MappingHandle, startMapping } from '../../localstack/offline-msk/mapping-runner.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { bankEvents } from '../support/bank-events.js';
import { decidedTransaction, publishUnderPrefix } from '../support/project-log.js';
import { runNpmScript } from '../support/cli-process.js';
import { directRedis } from '../support/projection-snapshot.js';
import { localKafkaClient } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';

const PARTITIONS = 3;
const defaultPartitioner = Partitioners.DefaultPartitioner();
const partitionOf = (accountId: string) =>
  defaultPartitioner({
    topic: 'any',
    partitionMetadata: Array.from({ length: PARTITIONS }, (_, id) => ({
      partitionId: id,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key: accountId, value: '' },
  });

/**
 * Records that bypass the door (raw bytes on the commands topic) and a record whose apply Redis
 * refuses: each is dead-lettered alone, with its original bytes, and no partition stops.
 */
describe('records no door checked, through the real broker', () => {
  const topicPrefix = `poison-${randomUUID()}`;
  const commandsTopic = topicName('commands', topicPrefix);
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const events = bankEvents(() => new Date().toISOString());
  const direct = directRedis();
  const counted = { deadLettered: 0 };
  let kafka: Kafka;
  let publisher: Publisher;
  let mapping: MappingHandle;
  let store: ProjectionStore;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix, PARTITIONS);
    kafka = localKafkaClient(process.env.KAFKA_BROKERS ?? '');
    const redis = await testRedis('poison');
    cleanupRedis = redis.cleanup;
    store = new ProjectionStore(redis.redis, redis.prefix);
    publisher = createPublisher({ client: { brokers, auth: { mechanism: 'plaintext' } } });
    const live: ProjectorOptions = {
      publish: (messages) => publishUnderPrefix(publisher, topicPrefix)(messages),
    };
    mapping = startMapping({
      brokers,
      clientSettings: { ...localKafkaClientSettings, logLevel: kafkajs.logLevel.NOTHING },
      mapping: {
        functionName: 'banku-test-poison',
        topic: commandsTopic,
        batchSize: 100,
        maximumBatchingWindow: 0.2,
        startingPosition: 'TRIM_HORIZON',
        retry: { backoffBaseMs: 20, backoffMaxMs: 300 },
      },
      invoke: async (event) => {
        const counts = await handleMskEvent(event, store, live);
        counted.deadLettered += counts.deadLettered;
        return counts;
      },
    });
    await mapping.joined;
  }, 120_000);

  afterAll(async () => {
    await mapping?.stop();
    await publisher?.disconnect();
    direct.disconnect();
    await cleanupRedis?.();
  });

  const decided = (transactionId: string) => decidedTransaction(store, transactionId);

  it('applies what it can, dead-letters each record it cannot alone, and every partition keeps moving', async () => {
    const account = randomUUID();
    const open = events.open(account, 'USD', 'Poison Neighbour');
    const before = events.deposit(account, 100);
    const refusedByRedis = events.deposit(account, 7);
    const after = events.deposit(account, 20);
    // Someone (a bug, an operator) left a string where this transaction's hash goes: Redis refuses the
    // apply script for any batch holding it (WRONGTYPE), whatever the rest of the batch holds.
    await direct.set(
      projectionKeys(store.prefix, 'main').transaction(refusedByRedis.data.transactionId),
      'not a hash',
    );
    // `{"name":"\ud800"}` as raw JSON text: a lone surrogate escape the door would refuse.
    const loneSurrogate = events.open(randomUUID(), 'USD', 'Placeholder');
    const loneSurrogateBytes = encodeEvent(loneSurrogate).replace('"Placeholder"', '"\\ud800"');
    const malformed = Buffer.from('{not json');
    const notUtf8 = Buffer.concat([Buffer.from('{"type":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

    const producer = kafka.producer();
    await producer.connect();
    try {
      const record = (event: BankEvent) => ({
        key: event.accountId,
        value: encodeEvent(event),
        headers: kafkaHeaders(event),
      });
      // One send: the same partition, most likely one batch for the projector.
      await producer.send({
        topic: commandsTopic,
        messages: [
          record(open),
          record(before),
          { key: account, value: malformed },
          record(refusedByRedis),
          { key: account, value: notUtf8 },
          record(after),
          { key: loneSurrogate.accountId, value: loneSurrogateBytes },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    expect((await decided(after.data.transactionId)).status).toBe('applied');
    expect((await store.getAccount('main', account))?.balance).toBe(120);
    expect((await decided(loneSurrogate.data.transactionId)).status).toBe('applied');
    expect((await store.getAccount('main', loneSurrogate.accountId))?.name).toBe('\ufffd');

    // Canaries on every partition apply after the poison.
    const canaries = new Map<number, BankEvent[]>();
    for (let i = 0; canaries.size < PARTITIONS && i < 200; i += 1) {
      const id = randomUUID();
      const partition = partitionOf(id);
      if (!canaries.has(partition)) canaries.set(partition, [events.open(id), events.deposit(id, 5)]);
    }
    const canaryEvents = [...canaries.values()].flat();
    await publisher.publish(
      canaryEvents.map((event) => ({
        topic: commandsTopic,
        key: event.accountId,
        value: encodeEvent(event),
        headers: kafkaHeaders(event),
      })),
    );
    for (const event of canaryEvents)
      expect((await decided(event.data.transactionId)).status).toBe('applied');

    // Durable and visible: on the dead-letter topic with their bytes, counted, listed by the command.
    expect(counted.deadLettered).toBe(3);
    const cli = runNpmScript('dead-letters', { ...process.env, KAFKA_TOPIC_PREFIX: topicPrefix }, ['--json']);
    expect((await cli.exited).code, cli.stderr.join('')).toBe(0);
    const letters = cli.stdout
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as DeadLetter);
    expect(letters.map(({ reason }) => reason).sort()).toEqual([
      'apply_failed',
      'malformed_json',
      'malformed_json',
    ]);
    const bytes = letters.map(({ value }) => Buffer.from(value ?? '', 'base64'));
    expect(bytes).toContainEqual(malformed);
    expect(bytes).toContainEqual(notUtf8);
    expect(bytes).toContainEqual(Buffer.from(encodeEvent(refusedByRedis)));
    for (const letter of letters) {
      expect(letter).toMatchObject({ topic: commandsTopic, key: account });
      expect(Number(letter.offset)).toBeGreaterThanOrEqual(0);
    }
  }, 180_000);
});
