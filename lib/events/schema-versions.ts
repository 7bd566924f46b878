import { EVENT_TYPES } from './event-types.js';
import { BankEventV1Schema, SCHEMA_VERSION_1 } from './schema-v1.js';
import type { BankEvent } from './types.js';
import type { VersionReader } from './versioned-json.js';

/**
 * The version every producer writes today.
 *
 * @example
 * createEvent({ ... }).schemaVersion === CURRENT_SCHEMA_VERSION;
 */
export const CURRENT_SCHEMA_VERSION = SCHEMA_VERSION_1;

/**
 * The schema of the current version: what producers validate against before publishing.
 *
 * @example
 * BankEventSchema.parse(event);
 */
export const BankEventSchema = BankEventV1Schema;

/**
 * How one stored schema version of a request is read.
 *
 * @example
 * const reader: SchemaVersionReader = schemaVersionReader(1)!;
 */
export type SchemaVersionReader = VersionReader<BankEvent>;

// The place for future versions. To introduce v2: add `schema-v2.ts`, point CURRENT_SCHEMA_VERSION and
// BankEventSchema at it, add `[2, { types, parse: v2.safeParse }]` here and change the v1 entry to parse
// with v1 and then upcast the result to the v2 shape, so consumers keep reading the whole log.
/**
 * Every request version this build reads, by version.
 *
 * @example
 * decodeVersioned(bytes, SCHEMA_VERSION_READERS, CURRENT_SCHEMA_VERSION);
 */
export const SCHEMA_VERSION_READERS: ReadonlyMap<number, SchemaVersionReader> = new Map<
  number,
  SchemaVersionReader
>([[SCHEMA_VERSION_1, { types: EVENT_TYPES, parse: (raw) => BankEventV1Schema.safeParse(raw) }]]);

/**
 * Versions this build can read, ascending.
 *
 * @example
 * SUPPORTED_SCHEMA_VERSIONS; // [1]
 */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [...SCHEMA_VERSION_READERS.keys()].sort(
  (a, b) => a - b,
);

/**
 * The reader for a stored version, or `undefined` when this build does not know that version.
 *
 * @example
 * if (!schemaVersionReader(event.schemaVersion)) return { ok: false, reason: 'unsupported_schema_version' };
 */
export function schemaVersionReader(version: number): SchemaVersionReader | undefined {
  return SCHEMA_VERSION_READERS.get(version);
}
