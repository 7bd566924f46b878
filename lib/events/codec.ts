import { EventValidationError } from './errors.js';
import { BankEventSchema, CURRENT_SCHEMA_VERSION, SCHEMA_VERSION_READERS } from './schema-versions.js';
import type { BankEvent, DecodeResult } from './types.js';
import { decodeVersioned, issueLines } from './versioned-json.js';

/**
 * Reads one Kafka message value into a typed event. Never throws: every bad input comes back as
 * `{ ok: false, reason, message }`. The version is checked before the type, so an event from a newer producer
 * is reported `unsupported_schema_version` even if it also uses a type this build has never heard of.
 *
 * @example
 * const result = decodeEvent(message.value);
 * if (result.ok) handle(result.event);
 * else if (result.reason === 'unsupported_schema_version') throw new Error('deploy the new consumer first');
 * else deadLetter(message, result.reason, result.message);
 */
export function decodeEvent(input: Uint8Array | string | null | undefined): DecodeResult {
  const decoded = decodeVersioned(input, SCHEMA_VERSION_READERS, CURRENT_SCHEMA_VERSION);
  return decoded.ok ? { ok: true, event: decoded.value } : decoded;
}

/**
 * Validates an event against the current schema and serialises it as the Kafka message value.
 * Throws {@link EventValidationError} if the event is invalid (a producer bug; nothing invalid is published).
 * Fields not in the schema are dropped.
 *
 * @example
 * await producer.send({ topic, messages: [{ key: event.accountId, value: encodeEvent(event), headers: kafkaHeaders(event) }] });
 */
export function encodeEvent(event: BankEvent): string {
  const parsed = BankEventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = issueLines(parsed.error);
    throw new EventValidationError(`invalid ${String(event?.type)} event: ${issues.join('; ')}`, issues);
  }
  return JSON.stringify(parsed.data);
}
