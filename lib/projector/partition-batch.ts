import type { Outcome } from '../domain/types.js';
import { decodeEvent } from '../events/codec.js';
import type { BankEvent } from '../events/types.js';
import { decodeFact } from '../facts/codec.js';
import { recordTraceparent } from '../logging/trace-context.js';
import type { DeadLetter } from '../projection/types.js';
import { type DecodeValue, decodeRecord } from './decode-record.js';
import type { MskEvent, MskRecord } from './msk-event.js';

/** One partition's records, decoded one by one, in log order. */
export interface PartitionBatch<T> {
  topicPartition: string;
  partition: number;
  /** Offsets of the batch's first and last records (`-1` for an empty batch). */
  firstOffset: string;
  lastOffset: string;
  /**
   * The decoded messages with their records (whose offsets order them) and the W3C traceparent each
   * record carried (see lib/logging/trace-context.ts).
   */
  items: { value: T; offset: string; record: MskRecord; traceparent?: string }[];
  deadLetters: DeadLetter[];
}

/** Reads a commands-topic value as a request. */
export const requestValue: DecodeValue<BankEvent> = (value) => {
  const decoded = decodeEvent(value);
  return decoded.ok ? { ok: true, value: decoded.event } : decoded;
};

/** Reads a facts-topic value as a fact. */
export const factValue: DecodeValue<Outcome> = (value) => {
  const decoded = decodeFact(value);
  return decoded.ok ? { ok: true, value: decoded.fact } : decoded;
};

/**
 * One partition's records as a batch: each record decoded on its own (a poison record becomes a dead
 * letter, never a blocked partition), in log order.
 *
 * @example
 * ```ts
 * const batch = partitionBatch('banku.account-commands-0', records, requestValue);
 * ```
 */
export function partitionBatch<T extends { readonly accountId: string }>(
  topicPartition: string,
  records: readonly MskRecord[],
  decode: DecodeValue<T>,
): PartitionBatch<T> {
  const partition = Number(topicPartition.slice(topicPartition.lastIndexOf('-') + 1));
  const batch: PartitionBatch<T> = {
    topicPartition,
    partition: records[0]?.partition ?? partition,
    firstOffset: records[0]?.offset ?? '-1',
    lastOffset: records[records.length - 1]?.offset ?? '-1',
    items: [],
    deadLetters: [],
  };
  for (const record of records) {
    const decoded = decodeRecord(record, decode);
    if (!decoded.ok) {
      batch.deadLetters.push(decoded.deadLetter);
      continue;
    }
    const traceparent = recordTraceparent(record.headers);
    batch.items.push({
      value: decoded.value,
      offset: record.offset,
      record,
      ...(traceparent ? { traceparent } : {}),
    });
  }
  return batch;
}

/**
 * Splits an event source mapping invocation of the commands topic into its partitions' batches.
 *
 * @example
 * ```ts
 * const batches = requestBatches(parseMskEvent(event));
 * ```
 */
export function requestBatches(event: MskEvent): PartitionBatch<BankEvent>[] {
  return Object.entries(event.records)
    .filter(([, records]) => records.length > 0)
    .map(([topicPartition, records]) => partitionBatch(topicPartition, records, requestValue));
}
