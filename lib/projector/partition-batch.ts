import { recordTraceparent } from '../logging/trace-context.js';
import { decodeRecord } from './decode-record.js';
import type { MskEvent, MskRecord } from './msk-event.js';
import type { PartitionBatch } from './plan-batch.js';

/**
 * One partition's records as a batch to project: each record decoded on its own (a poison record
 * becomes a dead letter, never a blocked partition), in log order.
 *
 * @example
 * ```ts
 * const batch = partitionBatch('banku.account-commands-0', records);
 * ```
 */
export function partitionBatch(topicPartition: string, records: readonly MskRecord[]): PartitionBatch {
  const traceparents = new Map<string, string>();
  const batch: PartitionBatch = {
    topicPartition,
    lastOffset: records[records.length - 1]?.offset ?? '-1',
    events: [],
    deadLetters: [],
    traceparents,
  };
  for (const record of records) {
    const decoded = decodeRecord(record);
    if (!decoded.ok) {
      batch.deadLetters.push(decoded.deadLetter);
      continue;
    }
    batch.events.push(decoded.event);
    const traceparent = recordTraceparent(record.headers);
    if (traceparent) traceparents.set(decoded.event.eventId, traceparent);
  }
  return batch;
}

/**
 * Splits an event source mapping invocation into its partitions' batches.
 *
 * @example
 * ```ts
 * const batches = partitionBatches(MskEventSchema.parse(event));
 * ```
 */
export function partitionBatches(event: MskEvent): PartitionBatch[] {
  return Object.entries(event.records)
    .filter(([, records]) => records.length > 0)
    .map(([topicPartition, records]) => partitionBatch(topicPartition, records));
}
