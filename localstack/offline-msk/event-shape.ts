import type { KafkaMessage } from 'kafkajs';
import type { MskEvent, MskRecord } from './types.js';

/** Bit 3 of a record batch's (or legacy message's) attributes: the broker set the timestamp. */
const LOG_APPEND_TIME_FLAG = 0x8;
/** kafkajs' `TimestampTypes.LOG_APPEND_TIME`, in the batch context it attaches to each record. */
const KAFKAJS_LOG_APPEND_TIME = 1;

/**
 * Turns a record fetched by kafkajs into the record Lambda puts in an MSK event: offset and timestamp
 * as numbers, key and value base64 (absent when null, as AWS omits them), each header as a
 * single-entry object whose value is the header's bytes.
 *
 * kafkajs merges repeated header names into one array, so repeated headers come out grouped by name
 * (in order within the name) rather than interleaved as on the wire.
 *
 * @example
 * toMskRecord('orders', 0, { offset: '15', timestamp: '1545084650987', key: Buffer.from('k'),
 *   value: Buffer.from('v'), headers: { h: Buffer.from('x') }, attributes: 0 });
 * // { topic: 'orders', partition: 0, offset: 15, timestamp: 1545084650987, timestampType: 'CREATE_TIME',
 * //   key: 'aw==', value: 'dg==', headers: [{ h: [120] }] }
 */
export function toMskRecord(topic: string, partition: number, message: KafkaMessage): MskRecord {
  // Field order as in AWS's examples, so that a printed event reads the same.
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: isLogAppendTime(message) ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    ...(message.key == null ? {} : { key: message.key.toString('base64') }),
    ...(message.value == null ? {} : { value: message.value.toString('base64') }),
    headers: toHeaders(message.headers),
  };
}

/**
 * Wraps records of one partition into the event Lambda sends, keyed `<topic>-<partition>`.
 *
 * @example
 * buildMskEvent({ eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:…', bootstrapServers: '127.0.0.1:9092' }, records);
 */
export function buildMskEvent(
  source: Pick<MskEvent, 'eventSource' | 'eventSourceArn' | 'bootstrapServers'>,
  records: readonly MskRecord[],
): MskEvent {
  const byPartition: Record<string, MskRecord[]> = {};
  for (const record of records) {
    const key = `${record.topic}-${record.partition}`;
    byPartition[key] ??= [];
    byPartition[key].push(record);
  }
  // Only MSK events name their source ARN; AWS puts it right after eventSource.
  return {
    eventSource: source.eventSource,
    ...(source.eventSource === 'aws:kafka' ? { eventSourceArn: source.eventSourceArn ?? '' } : {}),
    bootstrapServers: source.bootstrapServers,
    records: byPartition,
  };
}

/**
 * Bytes a record adds to the JSON event (for the 6 MB invocation payload limit).
 *
 * @example
 * encodedSize(record); // e.g. 312
 */
export function encodedSize(record: MskRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}

function isLogAppendTime(message: KafkaMessage): boolean {
  // Record batches (magic 2) carry the type in their batch context; legacy messages in their attributes.
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  if (context?.timestampType !== undefined) return context.timestampType === KAFKAJS_LOG_APPEND_TIME;
  return (message.attributes & LOG_APPEND_TIME_FLAG) !== 0;
}

function toHeaders(headers: KafkaMessage['headers']): Record<string, number[]>[] {
  const out: Record<string, number[]>[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const bytes = v === undefined || v === null ? [] : [...(typeof v === 'string' ? Buffer.from(v) : v)];
      out.push({ [name]: bytes });
    }
  }
  return out;
}
