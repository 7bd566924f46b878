import { randomUUID } from 'node:crypto';
import { type TopicRole, topicName } from '../../lib/config/topics.js';
import { encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions, PublishOutbox } from '../../lib/projector/project-batch.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { mskEvent, mskRecord } from './msk-events.js';
import { localKafkaClient, readBack, recordCount } from './read-back.js';
import { testRedis } from './redis.js';

/**
 * A deployment of the service's log and projection of a test's own: a topic set under a fresh prefix on
 * the local broker, a Redis key prefix, the service's publisher, and the projector run in process
 * (`project()`) over the commands topic as the event source mapping would, until it has decided every
 * request there, the saga steps it publishes itself included.
 *
 * @example
 * ```ts
 * const service = await localService('asyncapi');
 * await service.publishRequests([open, deposit]);
 * await service.project();
 * ```
 */
/** The transaction once the projector decided it (any status but `pending`), waiting up to a minute. */
export async function decidedTransaction(store: ProjectionStore, transactionId: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const tx = await store.getTransaction(await store.currentNamespace(), transactionId);
    if (tx && tx.status !== 'pending') return tx;
    if (Date.now() > deadline) throw new Error(`transaction ${transactionId} still undecided`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The projector's outbox publisher for a test's own topic set: each message goes to its role's topic
 * under `topicPrefix`, as the deployed projector's goes under `KAFKA_TOPIC_PREFIX`.
 */
export function publishUnderPrefix(publisher: Publisher, topicPrefix: string): PublishOutbox {
  return async (messages) => {
    await publisher.publish(
      messages.map(({ topic: role, key, value, headers }) => ({
        topic: topicName(role, topicPrefix),
        key,
        value,
        headers,
      })),
    );
  };
}

export async function localService(label: string) {
  const topicPrefix = `${label}-${randomUUID()}`;
  await localStackControl().createTopicSet(topicPrefix);
  const redis = await testRedis(label);
  const store = new ProjectionStore(redis.redis, redis.prefix);
  const publisher = createPublisher({
    client: { brokers: (process.env.KAFKA_BROKERS ?? '').split(','), auth: { mechanism: 'plaintext' } },
  });
  const kafka = localKafkaClient(process.env.KAFKA_BROKERS ?? '');
  const commandsTopic = topicName('commands', topicPrefix);
  const live: ProjectorOptions = { publish: publishUnderPrefix(publisher, topicPrefix) };
  const done = new Set<string>();
  return {
    topicPrefix,
    redisPrefix: redis.prefix,
    redis: redis.redis,
    store,
    publisher,
    kafka,
    /** Publishes requests to the commands topic, as the command functions do. */
    publishRequests: (requests: readonly BankEvent[]) =>
      publisher.publish(
        requests.map((event) => ({
          topic: commandsTopic,
          key: event.accountId,
          value: encodeEvent(event),
          headers: kafkaHeaders(event),
        })),
      ),
    /** Every record of one of the service's topics. */
    read: async (role: TopicRole) =>
      readBack(kafka, topicName(role, topicPrefix), await recordCount(kafka, topicName(role, topicPrefix))),
    /** Decides every request not yet decided, until the projector publishes no new one. */
    project: async () => {
      for (;;) {
        const records = (await readBack(kafka, commandsTopic, await recordCount(kafka, commandsTopic)))
          .filter((record) => !done.has(`${record.partition}:${record.offset}`))
          .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
        if (records.length === 0) return;
        for (const record of records) done.add(`${record.partition}:${record.offset}`);
        await handleMskEvent(
          mskEvent(
            records.map((r) =>
              mskRecord(commandsTopic, r.partition, Number(r.offset), r.key ?? null, r.value ?? null),
            ),
          ),
          store,
          live,
        );
      }
    },
    stop: async () => {
      await publisher.disconnect();
      await redis.cleanup();
    },
  };
}

/** The service {@link localService} starts. */
export type LocalService = Awaited<ReturnType<typeof localService>>;
