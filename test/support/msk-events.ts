import { encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import type { MskEvent, MskRecord } from '../../lib/projector/msk-event.js';

/** A raw record as the event source mapping would deliver it, for a value given as text or bytes. */
export function mskRecord(
  topic: string,
  partition: number,
  offset: number,
  key: string | null,
  value: string | Buffer | null,
  headers: Record<string, string> = {},
): MskRecord {
  return {
    topic,
    partition,
    offset: String(offset),
    timestamp: Date.now(),
    timestampType: 'CREATE_TIME',
    key: key === null ? null : Buffer.from(key).toString('base64'),
    value: value === null ? null : Buffer.from(value).toString('base64'),
    headers: Object.entries(headers).map(([name, text]) => ({ [name]: [...Buffer.from(text)] })),
  };
}

/** The MSK event of one partition's records. */
export function mskEvent(records: MskRecord[]): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const record of records) {
    const topicPartition = `${record.topic}-${record.partition}`;
    grouped[topicPartition] = [...(grouped[topicPartition] ?? []), record];
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000',
    bootstrapServers: '127.0.0.1:9092',
    records: grouped,
  };
}

/** Encodes events as consecutive records of one partition, starting at `firstOffset`. */
export function recordsOf(
  topic: string,
  partition: number,
  events: BankEvent[],
  firstOffset = 0,
): MskRecord[] {
  return events.map((event, i) =>
    mskRecord(topic, partition, firstOffset + i, event.accountId, encodeEvent(event), kafkaHeaders(event)),
  );
}
