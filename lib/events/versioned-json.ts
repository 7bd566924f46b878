import type { z } from 'zod';
import type { DecodeFailureReason } from './types.js';

/**
 * How one stored schema version of a message is read: the types it knows, and a parser that validates
 * raw JSON of that version and returns it in the shape the reader's code works with today (upcasting an
 * older version on read; the stored bytes never change).
 *
 * @example
 * const v1: VersionReader<BankEvent> = { types: EVENT_TYPES, parse: (raw) => BankEventV1Schema.safeParse(raw) };
 */
export interface VersionReader<T> {
  readonly types: readonly string[];
  parse(raw: unknown): z.ZodSafeParseResult<T>;
}

/**
 * A message read, or why it could not be.
 *
 * @example
 * const result: Decoded<BankEvent> = decodeVersioned(bytes, readers, 1);
 */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: DecodeFailureReason; readonly message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The zod issues of a failed parse, one `path: message` line each.
 *
 * @example
 * throw new EventValidationError('invalid event', issueLines(parsed.error));
 */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
}

/**
 * Reads one Kafka message value written as `{type, schemaVersion, …}` JSON (requests and facts alike).
 * Never throws. The version is checked before the type, so a message from a newer producer is reported
 * `unsupported_schema_version` even if it also uses a type this build has never heard of; a missing or
 * non-numeric version is a broken message, which `currentVersion`'s schema then describes.
 *
 * @example
 * const result = decodeVersioned(message.value, FACT_READERS, CURRENT_FACT_SCHEMA_VERSION);
 */
export function decodeVersioned<T>(
  input: Uint8Array | string | null | undefined,
  readers: ReadonlyMap<number, VersionReader<T>>,
  currentVersion: number,
): Decoded<T> {
  const fail = (reason: DecodeFailureReason, message: string): Decoded<T> => ({ ok: false, reason, message });
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
  const version = typeof schemaVersion === 'number' ? schemaVersion : currentVersion;
  const reader = readers.get(version);
  if (!reader)
    return fail('unsupported_schema_version', `schemaVersion ${String(schemaVersion)} is not supported`);
  if (typeof type === 'string' && !reader.types.includes(type)) {
    return fail('unknown_type', `type "${type.slice(0, 100)}" is not known in schemaVersion ${version}`);
  }
  const parsed = reader.parse(raw);
  if (!parsed.success) return fail('schema_violation', issueLines(parsed.error).join('; '));
  return { ok: true, value: parsed.data };
}
