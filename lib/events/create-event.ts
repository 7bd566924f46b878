import { CURRENT_SCHEMA_VERSION } from './schema-versions.js';
import type { BankEventOf, EventType } from './types.js';

/**
 * Everything of an event but its `schemaVersion`, which {@link createEvent} fills in.
 *
 * @example
 * const fields: NewEvent<'DepositRequested'> = { eventId, type: 'DepositRequested', accountId, occurredAt, data, metadata };
 */
export type NewEvent<T extends EventType> = Omit<BankEventOf<T>, 'schemaVersion'>;

/**
 * Builds an event in the current schema version. Pure: ids and `occurredAt` are the caller's, so a saga step
 * built from the same inputs is always the same event.
 *
 * @example
 * const event = createEvent({
 *   eventId, type: 'DepositRequested', accountId, occurredAt: new Date().toISOString(),
 *   data: { transactionId, amount: 500 },
 *   metadata: { correlationId: requestId, causationId: null, idempotencyKey: null },
 * });
 */
export function createEvent<T extends EventType>(fields: NewEvent<T>): BankEventOf<T> {
  return { ...fields, schemaVersion: CURRENT_SCHEMA_VERSION } as BankEventOf<T>;
}
