import { decodeEvent } from '../events/codec.js';
import type { BankEvent } from '../events/types.js';
import type { DeadLetter } from '../projection/types.js';
import type { MskRecord } from './msk-event.js';

/** A record turned into an event, or into a dead letter saying why it could not be. */
export type DecodedRecord =
  { ok: true; event: BankEvent; record: MskRecord } | { ok: false; deadLetter: DeadLetter };

/**
 * Decodes one record on its own, so a poison record becomes a dead letter instead of failing its batch.
 * Beyond the event's own schema, the record key must be the event's account id: per-account order rests
 * on every event of an account sharing its partition.
 *
 * @example
 * ```ts
 * const decoded = decodeRecord(record);
 * if (!decoded.ok) deadLetters.push(decoded.deadLetter);
 * ```
 */
export function decodeRecord(record: MskRecord): DecodedRecord {
  const key = record.key == null ? null : Buffer.from(record.key, 'base64').toString('utf8');
  const value = record.value == null ? null : Buffer.from(record.value, 'base64');
  const reject = (reason: string, message: string): DecodedRecord => ({
    ok: false,
    deadLetter: {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      reason,
      message,
      key,
      value: value === null ? null : value.toString('base64'),
      // The record's own time, not the clock's: a rebuild must dead-letter identically.
      at: new Date(record.timestamp).toISOString(),
    },
  });
  if (value === null) return reject('empty_value', 'the record has no value (a tombstone?)');
  const decoded = decodeEvent(value);
  if (!decoded.ok) return reject(decoded.reason, decoded.message);
  if (key !== decoded.event.accountId) {
    return reject(
      'key_mismatch',
      `record key ${JSON.stringify(key)} is not the event's account ${decoded.event.accountId}`,
    );
  }
  return { ok: true, event: decoded.event, record };
}
