import { z } from 'zod';
import {
  AccountName,
  Amount,
  CorrelationId,
  Currency,
  IdempotencyKey,
  IsoDateTime,
  Principal,
  Uuid,
} from './primitives.js';
import { ReasonCodeSchema } from './reason-codes.js';

/**
 * The schema version this module describes.
 *
 * @example
 * event.schemaVersion === SCHEMA_VERSION_1;
 */
export const SCHEMA_VERSION_1 = 1 as const;

/**
 * Tracing metadata carried by every event. `causationId` is the id of the event that caused this one
 * (`null` for events born from an HTTP request); `idempotencyKey` is the client's key, if it sent one.
 *
 * @example
 * EventMetadataSchema.parse({ correlationId: 'req-1', causationId: null, idempotencyKey: null });
 */
export const EventMetadataSchema = z.object({
  correlationId: CorrelationId,
  causationId: z.string().min(1).nullable(),
  idempotencyKey: IdempotencyKey.nullable(),
});

// Saga steps always have a cause (the transfer or credit event they follow); requiring it here lets the
// decider read the transfer's event id from a credit without a null check.
const SagaMetadataSchema = EventMetadataSchema.extend({ causationId: Uuid });

function envelope<const T extends string, D extends z.ZodType, M extends z.ZodType>(
  type: T,
  data: D,
  metadata: M,
) {
  return z.object({
    eventId: Uuid,
    type: z.literal(type),
    schemaVersion: z.literal(SCHEMA_VERSION_1),
    accountId: Uuid,
    occurredAt: IsoDateTime,
    data,
    metadata,
  });
}

/**
 * Data of `AccountOpenRequested`; the envelope's `accountId` is the new account's id. The principal will
 * own the account.
 *
 * @example
 * AccountOpenRequestedDataSchema.parse({ transactionId, name: 'Ada', currency: 'EUR', principal });
 */
export const AccountOpenRequestedDataSchema = z.object({
  transactionId: Uuid,
  name: AccountName,
  currency: Currency,
  principal: Principal,
});

/**
 * Data of `DepositRequested`; the principal must own the account.
 *
 * @example
 * DepositRequestedDataSchema.parse({ transactionId, amount: 500, principal });
 */
export const DepositRequestedDataSchema = z.object({
  transactionId: Uuid,
  amount: Amount,
  principal: Principal,
});

/**
 * Data of `WithdrawalRequested`; the principal must own the account.
 *
 * @example
 * WithdrawalRequestedDataSchema.parse({ transactionId, amount: 500, principal });
 */
export const WithdrawalRequestedDataSchema = z.object({
  transactionId: Uuid,
  amount: Amount,
  principal: Principal,
});

/**
 * Data of `TransferRequested`; keyed by the source account (the envelope's `accountId`), which the
 * principal must own. The destination may be anyone's.
 *
 * @example
 * TransferRequestedDataSchema.parse({ transactionId, toAccountId, amount: 500, principal });
 */
export const TransferRequestedDataSchema = z.object({
  transactionId: Uuid,
  toAccountId: Uuid,
  amount: Amount,
  principal: Principal,
});

/**
 * Data of `TransferCreditRequested`; keyed by the destination account. `currency` is the source's, so the
 * destination can refuse a credit in another currency.
 *
 * @example
 * TransferCreditRequestedDataSchema.parse({ transactionId, fromAccountId, amount: 500, currency: 'EUR' });
 */
export const TransferCreditRequestedDataSchema = z.object({
  transactionId: Uuid,
  fromAccountId: Uuid,
  amount: Amount,
  currency: Currency,
});

/**
 * Data of `TransferRefundRequested`; keyed by the source account. `toAccountId` is the destination that refused
 * the credit and `reason` why it did.
 *
 * @example
 * TransferRefundRequestedDataSchema.parse({ transactionId, toAccountId, amount: 500, reason: 'account_not_found' });
 */
export const TransferRefundRequestedDataSchema = z.object({
  transactionId: Uuid,
  toAccountId: Uuid,
  amount: Amount,
  reason: ReasonCodeSchema,
});

/**
 * Full v1 `AccountOpenRequested` event.
 *
 * @example
 * AccountOpenRequestedSchema.safeParse(json).success;
 */
export const AccountOpenRequestedSchema = envelope(
  'AccountOpenRequested',
  AccountOpenRequestedDataSchema,
  EventMetadataSchema,
);

/**
 * Full v1 `DepositRequested` event.
 *
 * @example
 * DepositRequestedSchema.safeParse(json).success;
 */
export const DepositRequestedSchema = envelope(
  'DepositRequested',
  DepositRequestedDataSchema,
  EventMetadataSchema,
);

/**
 * Full v1 `WithdrawalRequested` event.
 *
 * @example
 * WithdrawalRequestedSchema.safeParse(json).success;
 */
export const WithdrawalRequestedSchema = envelope(
  'WithdrawalRequested',
  WithdrawalRequestedDataSchema,
  EventMetadataSchema,
);

/**
 * Full v1 `TransferRequested` event.
 *
 * @example
 * TransferRequestedSchema.safeParse(json).success;
 */
export const TransferRequestedSchema = envelope(
  'TransferRequested',
  TransferRequestedDataSchema,
  EventMetadataSchema,
);

/**
 * Full v1 `TransferCreditRequested` event (saga step; `metadata.causationId` is the transfer's event id).
 *
 * @example
 * TransferCreditRequestedSchema.safeParse(json).success;
 */
export const TransferCreditRequestedSchema = envelope(
  'TransferCreditRequested',
  TransferCreditRequestedDataSchema,
  SagaMetadataSchema,
);

/**
 * Full v1 `TransferRefundRequested` event (saga step; `metadata.causationId` is the credit's event id).
 *
 * @example
 * TransferRefundRequestedSchema.safeParse(json).success;
 */
export const TransferRefundRequestedSchema = envelope(
  'TransferRefundRequested',
  TransferRefundRequestedDataSchema,
  SagaMetadataSchema,
);

/**
 * Any v1 event, discriminated on `type`.
 *
 * @example
 * const result = BankEventV1Schema.safeParse(JSON.parse(text));
 */
export const BankEventV1Schema = z.discriminatedUnion('type', [
  AccountOpenRequestedSchema,
  DepositRequestedSchema,
  WithdrawalRequestedSchema,
  TransferRequestedSchema,
  TransferCreditRequestedSchema,
  TransferRefundRequestedSchema,
]);
