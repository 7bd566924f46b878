import { topicName } from '../../lib/config/topics.js';
import type { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import type { Publisher } from '../../lib/kafka/producer.js';
import { mskEvent, mskRecord } from './msk-events.js';
import { localKafkaClient, readBack, recordCount } from './read-back.js';

/**
 * Runs the projector in process over a commands topic as the event source mapping would, until it has
 * decided every request there, the saga steps it publishes itself included. Facts and saga steps go to
 * the real topics of `topicPrefix`.
 *
 * @example
 * ```ts
 * await projectLog({ store, publisher, topicPrefix });
 * ```
 */
export async function projectLog(options: {
  store: ProjectionStore;
  publisher: Publisher;
  topicPrefix: string;
}): Promise<void> {
  const { store, publisher, topicPrefix } = options;
  const kafka = localKafkaClient(process.env.KAFKA_BROKERS ?? '');
  const topic = topicName('commands', topicPrefix);
  const live: ProjectorOptions = {
    publish: async (messages) => {
      await publisher.publish(
        messages.map(({ topic: role, key, value, headers }) => ({
          topic: topicName(role, topicPrefix),
          key,
          value,
          headers,
        })),
      );
    },
  };
  const done = new Set<string>();
  for (;;) {
    const records = (await readBack(kafka, topic, await recordCount(kafka, topic)))
      .filter((record) => !done.has(`${record.partition}:${record.offset}`))
      .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    if (records.length === 0) return;
    for (const record of records) done.add(`${record.partition}:${record.offset}`);
    await handleMskEvent(
      mskEvent(
        records.map((r) => mskRecord(topic, r.partition, Number(r.offset), r.key ?? null, r.value ?? null)),
      ),
      store,
      live,
    );
  }
}
