import type { z } from 'zod';
import type { EVENT_TYPES } from './event-types.js';
import type { REASON_CODES } from './reason-codes.js';
import type {
  AccountOpenRequestedSchema,
  BankEventV1Schema,
  DepositRequestedSchema,
  EventMetadataSchema,
  TransferCreditRequestedSchema,
  TransferRefundRequestedSchema,
  TransferRequestedSchema,
  WithdrawalRequestedSchema,
} from './schema-v1.js';

/**
 * Name of one of the six event types.
 *
 * @example
 * const type: EventType = 'DepositRequested';
 */
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Why a request was rejected.
 *
 * @example
 * const reason: ReasonCode = 'insufficient_funds';
 */
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * Envelope metadata (`correlationId`, `causationId`, `idempotencyKey`).
 *
 * @example
 * const metadata: EventMetadata = { correlationId: 'req-1', causationId: null, idempotencyKey: null };
 */
export type EventMetadata = z.output<typeof EventMetadataSchema>;

/**
 * An `AccountOpenRequested` event.
 *
 * @example
 * if (event.type === 'AccountOpenRequested') event.data.currency;
 */
export type AccountOpenRequested = z.output<typeof AccountOpenRequestedSchema>;

/**
 * A `DepositRequested` event.
 *
 * @example
 * const amount = (event as DepositRequested).data.amount;
 */
export type DepositRequested = z.output<typeof DepositRequestedSchema>;

/**
 * A `WithdrawalRequested` event.
 *
 * @example
 * const amount = (event as WithdrawalRequested).data.amount;
 */
export type WithdrawalRequested = z.output<typeof WithdrawalRequestedSchema>;

/**
 * A `TransferRequested` event, keyed by the source account.
 *
 * @example
 * const to = (event as TransferRequested).data.toAccountId;
 */
export type TransferRequested = z.output<typeof TransferRequestedSchema>;

/**
 * A `TransferCreditRequested` saga event, keyed by the destination account.
 *
 * @example
 * const from = (event as TransferCreditRequested).data.fromAccountId;
 */
export type TransferCreditRequested = z.output<typeof TransferCreditRequestedSchema>;

/**
 * A `TransferRefundRequested` saga event, keyed by the source account.
 *
 * @example
 * const why = (event as TransferRefundRequested).data.reason;
 */
export type TransferRefundRequested = z.output<typeof TransferRefundRequestedSchema>;

/**
 * Any event on the log, in the current schema version.
 *
 * @example
 * function key(event: BankEvent): string { return event.accountId; }
 */
export type BankEvent = z.output<typeof BankEventV1Schema>;

/**
 * The event of one given type.
 *
 * @example
 * const credit: BankEventOf<'TransferCreditRequested'> = followUps(debited)[0];
 */
export type BankEventOf<T extends EventType> = Extract<BankEvent, { type: T }>;

/**
 * Why {@link DecodeResult} failed: not JSON (or not UTF-8), a type this build does not know, a schema version
 * this build does not know, or a known type/version whose fields do not match.
 *
 * @example
 * if (result.reason === 'unsupported_schema_version') pauseAndAlert();
 */
export type DecodeFailureReason =
  'malformed_json' | 'unknown_type' | 'unsupported_schema_version' | 'schema_violation';

/**
 * Result of `decodeEvent`: the event, or why it could not be read.
 *
 * @example
 * const result: DecodeResult = decodeEvent(message.value);
 * if (!result.ok) logger.warn('undecodable event', { reason: result.reason, message: result.message });
 */
export type DecodeResult =
  | { readonly ok: true; readonly event: BankEvent }
  | { readonly ok: false; readonly reason: DecodeFailureReason; readonly message: string };
