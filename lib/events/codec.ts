import type { z } from 'zod';
import { EventValidationError } from './errors.js';
import { BankEventSchema, CURRENT_SCHEMA_VERSION, schemaVersionReader } from './schema-versions.js';
import type { BankEvent, DecodeResult } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(reason: Exclude<DecodeResult, { ok: true }>['reason'], message: string): DecodeResult {
  return { ok: false, reason, message };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issueLines(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
}

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
  if (input === null || input === undefined)
    return fail('malformed_json', 'empty message value (tombstone?)');
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      return fail('malformed_json', 'message value is not valid UTF-8');
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail('malformed_json', error instanceof Error ? error.message : 'not JSON');
  }
  if (!isPlainObject(raw)) return fail('schema_violation', 'expected a JSON object');

  const { schemaVersion, type } = raw;
  // A missing or non-numeric version is a broken event, not a newer one: let the current schema describe it.
  const version = typeof schemaVersion === 'number' ? schemaVersion : CURRENT_SCHEMA_VERSION;
  const reader = schemaVersionReader(version);
  if (!reader)
    return fail('unsupported_schema_version', `schemaVersion ${String(schemaVersion)} is not supported`);
  if (typeof type === 'string' && !reader.eventTypes.includes(type)) {
    return fail('unknown_type', `type "${type.slice(0, 100)}" is not known in schemaVersion ${version}`);
  }

  const parsed = reader.parse(raw);
  if (!parsed.success) return fail('schema_violation', issueLines(parsed.error).join('; '));
  return { ok: true, event: parsed.data };
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
