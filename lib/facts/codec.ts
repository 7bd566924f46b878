import type { Outcome } from '../domain/types.js';
import { factId } from '../events/ids.js';
import type { DecodeFailureReason } from '../events/types.js';
import { decodeVersioned, type VersionReader } from '../events/versioned-json.js';
import {
  FACT_DATA_V1,
  FACT_SCHEMA_VERSION_1,
  FACT_TYPES,
  type FactEnvelopeV1,
  FactV1Schema,
} from './schema-v1.js';

/**
 * The fact version this build writes.
 *
 * @example
 * encodeFact(fact); // { …, "schemaVersion": 1 }
 */
export const CURRENT_FACT_SCHEMA_VERSION = FACT_SCHEMA_VERSION_1;

/**
 * A fact as this build reads it: its id and the domain outcome.
 *
 * @example
 * const read: ReadFact = { factId, fact };
 */
export interface ReadFact {
  readonly factId: string;
  readonly fact: Outcome;
}

/**
 * Result of {@link decodeFact}.
 *
 * @example
 * const result: FactDecodeResult = decodeFact(message.value);
 */
export type FactDecodeResult =
  | ({ readonly ok: true } & ReadFact)
  | { readonly ok: false; readonly reason: DecodeFailureReason; readonly message: string };

// The place for future versions, as for requests: to introduce v2, add `schema-v2.ts`, point
// CURRENT_FACT_SCHEMA_VERSION at it, and change the v1 entry to parse v1 then upcast to the v2 shape
// (test/facts/fact-upcasting.test.ts shows one). Facts on the log are never rewritten.
/**
 * Every fact version this build reads, by version, each returning the current envelope.
 *
 * @example
 * decodeVersioned(bytes, FACT_READERS, CURRENT_FACT_SCHEMA_VERSION);
 */
export const FACT_READERS: ReadonlyMap<number, VersionReader<FactEnvelopeV1>> = new Map([
  [FACT_SCHEMA_VERSION_1, { types: FACT_TYPES, parse: (raw: unknown) => FactV1Schema.safeParse(raw) }],
]);

/**
 * The envelope a fact travels in: `{factId, type, schemaVersion, accountId, occurredAt, data, metadata}`,
 * where `occurredAt` is the request's time, `metadata.causationId` the request's event id, and `data`
 * the outcome's own fields.
 *
 * @example
 * factEnvelope(deposited).factId === factId(deposited.requestEventId, 'Deposited'); // true
 */
export function factEnvelope(fact: Outcome): FactEnvelopeV1 {
  // `data` is the outcome's own fields in the schema's order, so the JSON is the bytes the schema writes.
  const data: Record<string, unknown> = {};
  for (const field of DATA_FIELDS[fact.type]) data[field] = fact[field as keyof Outcome];
  return {
    factId: factId(fact.requestEventId, fact.type),
    type: fact.type,
    schemaVersion: CURRENT_FACT_SCHEMA_VERSION,
    accountId: fact.accountId,
    occurredAt: fact.at,
    data,
    metadata: { correlationId: fact.correlationId, causationId: fact.requestEventId },
  } as FactEnvelopeV1;
}

const DATA_FIELDS = Object.fromEntries(
  Object.entries(FACT_DATA_V1).map(([type, schema]) => [type, Object.keys(schema.shape)]),
) as Record<Outcome['type'], string[]>;

/**
 * The domain outcome a (current-version) envelope carries.
 *
 * @example
 * const fact = factOf(FactV1Schema.parse(json));
 */
export function factOf(envelope: FactEnvelopeV1): Outcome {
  return {
    type: envelope.type,
    requestEventId: envelope.metadata.causationId,
    accountId: envelope.accountId,
    correlationId: envelope.metadata.correlationId,
    at: envelope.occurredAt,
    ...envelope.data,
  } as Outcome;
}

/**
 * A fact's id and its facts topic message value, the JSON of its {@link factEnvelope}.
 *
 * It is not parsed with the schema again on the way out, which cost about as much as the rest of
 * deciding the fact: every field comes from a request the schema accepted on the way in, through the
 * pure domain, and the envelope is built field by field in the schema's order.
 * `test/facts/fact-encoding.test.ts` holds, for every fact type, these bytes to the schema's own
 * output and reads them back as the fact.
 *
 * @example
 * const { factId, value } = encodeFact(fact);
 */
export function encodeFact(fact: Outcome): { factId: string; value: string } {
  const envelope = factEnvelope(fact);
  return { factId: envelope.factId, value: JSON.stringify(envelope) };
}

/**
 * Reads one facts-topic message value into its id and outcome, upcasting older versions. Never throws.
 * The id must be the one the fact's request and type derive: a fact whose id was tampered with or
 * mistyped would escape deduplication, so it is refused.
 *
 * @example
 * const read = decodeFact(message.value);
 * if (read.ok) state = evolve(state, read.fact);
 */
export function decodeFact(input: Uint8Array | string | null | undefined): FactDecodeResult {
  const decoded = decodeVersioned(input, FACT_READERS, CURRENT_FACT_SCHEMA_VERSION);
  if (!decoded.ok) return decoded;
  const envelope = decoded.value;
  const expected = factId(envelope.metadata.causationId, envelope.type);
  if (envelope.factId !== expected) {
    return {
      ok: false,
      reason: 'schema_violation',
      message: `factId ${envelope.factId} is not the id its request and type derive (${expected})`,
    };
  }
  return { ok: true, factId: envelope.factId, fact: factOf(envelope) };
}
