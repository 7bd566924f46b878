import type { KafkaMessage } from 'kafkajs';
import type { MskRecord } from '../projector/msk-event.js';

/**
 * A record read with a Kafka client, in the shape the event source mapping delivers, so a rebuild
 * decodes and projects exactly as the live projector does.
 *
 * @example
 * ```ts
 * const records = batch.messages.map((message) => toMskRecord(batch.topic, batch.partition, message));
 * ```
 */
export function toMskRecord(topic: string, partition: number, message: KafkaMessage): MskRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    timestampType: 'CREATE_TIME',
    key: message.key ? message.key.toString('base64') : null,
    value: message.value ? message.value.toString('base64') : null,
    headers: Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
      value === undefined
        ? []
        : [{ [name]: [...Buffer.from(Array.isArray(value) ? String(value[0]) : value)] }],
    ),
  };
}
