import { randomUUID } from 'node:crypto';
import kafkajs, { type Kafka } from 'kafkajs';
import {
  localKafkaClientSettings,
  localKafkaConsumerSettings,
} from '../../localstack/kafka/client-settings.js';

/**
 * A record as a plain kafkajs consumer sees it.
 *
 * @example
 * ```ts
 * const [first]: ConsumedRecord[] = await readBack(kafka, topic, 1);
 * ```
 */
export interface ConsumedRecord {
  partition: number;
  offset: string;
  key: string | undefined;
  value: string | undefined;
  headers: Record<string, string>;
}

/**
 * A plain kafkajs client for the local broker, with the broker helper's settings; independent of the
 * adapter under test.
 *
 * @example
 * ```ts
 * const kafka = localKafkaClient(local.bootstrapServers);
 * ```
 */
export function localKafkaClient(bootstrapServers: string): Kafka {
  return new kafkajs.Kafka({
    brokers: bootstrapServers.split(','),
    ...localKafkaClientSettings,
    logLevel: kafkajs.logLevel.ERROR,
  });
}

/**
 * Reads `count` records of `topic` from the beginning with a plain kafkajs consumer in a fresh group.
 *
 * @example
 * ```ts
 * const records = await readBack(kafka, 'topic-1', 3);
 * ```
 */
export async function readBack(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ groupId: `read-back-${randomUUID()}`, ...localKafkaConsumerSettings });
  const records: ConsumedRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${count} records of ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              headers[name] = String(value);
            }
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString(),
              value: message.value?.toString(),
              headers,
            });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * How many records a topic holds: the sum of its partitions' high watermarks.
 *
 * @example
 * ```ts
 * expect(await recordCount(kafka, topic)).toBe(before);
 * ```
 */
export async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}
