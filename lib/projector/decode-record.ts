import type { DecodeFailureReason } from '../events/types.js';
import type { DeadLetter, DeadLetterReason } from '../projection/types.js';
import type { MskRecord } from './msk-event.js';

/** How a record's value becomes a message: a request decoder or a fact decoder. */
export type DecodeValue<T> = (
  value: Buffer,
) => { ok: true; value: T } | { ok: false; reason: DecodeFailureReason; message: string };

/** A record turned into a message, or into a dead letter saying why it could not be. */
export type DecodedRecord<T> =
  { ok: true; value: T; record: MskRecord } | { ok: false; deadLetter: DeadLetter };

/**
 * Decodes one record on its own, so a poison record becomes a dead letter instead of failing its batch.
 * Beyond the message's own schema, the record key must be the message's account id: per-account order
 * rests on every message of an account sharing its partition.
 *
 * @example
 * ```ts
 * const decoded = decodeRecord(record, requestValue);
 * if (!decoded.ok) deadLetters.push(decoded.deadLetter);
 * ```
 */
export function decodeRecord<T extends { readonly accountId: string }>(
  record: MskRecord,
  decode: DecodeValue<T>,
): DecodedRecord<T> {
  const key = record.key == null ? null : Buffer.from(record.key, 'base64').toString('utf8');
  const value = record.value == null ? null : Buffer.from(record.value, 'base64');
  const reject = (reason: DeadLetterReason, message: string): DecodedRecord<T> => ({
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
  const decoded = decode(value);
  if (!decoded.ok) return reject(decoded.reason, decoded.message);
  if (key !== decoded.value.accountId) {
    return reject(
      'key_mismatch',
      `record key ${JSON.stringify(key)} is not the message's account ${decoded.value.accountId}`,
    );
  }
  return { ok: true, value: decoded.value, record };
}
