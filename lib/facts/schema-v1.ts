import { z } from 'zod';
import type { Outcome, OutcomeType } from '../domain/types.js';
import {
  AccountName,
  Amount,
  CorrelationId,
  Currency,
  IsoDateTime,
  MAX_BALANCE,
  Principal,
  Uuid,
} from '../events/primitives.js';
import { ReasonCodeSchema } from '../events/reason-codes.js';

/**
 * The version of the fact envelope this module describes.
 *
 * @example
 * envelope.schemaVersion === FACT_SCHEMA_VERSION_1;
 */
export const FACT_SCHEMA_VERSION_1 = 1 as const;

const Balance = z.int().min(0).max(MAX_BALANCE);
/** The subject of the principal who asked (or, on `AccountOpened`, who owns the account). */
const Subject = Principal.shape.subject;

/**
 * `data` of each fact type, v1: the domain outcome's own fields (see `lib/domain/types.ts`). Strict: a
 * field the schema does not name is refused, so the wire format can never silently lose a field the
 * domain added (and `SameFields` below makes the compiler check both agree).
 *
 * @example
 * FACT_DATA_V1.Deposited.parse({ transactionId, amount: 500, currency: 'EUR', balanceAfter: 1500 });
 */
export const FACT_DATA_V1 = {
  AccountOpened: z.strictObject({
    transactionId: Uuid,
    owner: Subject,
    name: AccountName,
    currency: Currency,
  }),
  AccountOpenRejected: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    name: AccountName,
    currency: Currency,
    reason: z.enum(['account_already_exists', 'forbidden', 'abandoned']),
  }),
  Deposited: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    amount: Amount,
    currency: Currency,
    balanceAfter: Balance,
  }),
  DepositRejected: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    amount: Amount,
    reason: z.enum(['account_not_found', 'forbidden', 'balance_limit_exceeded', 'abandoned']),
  }),
  Withdrawn: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    amount: Amount,
    currency: Currency,
    balanceAfter: Balance,
  }),
  WithdrawalRejected: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    amount: Amount,
    reason: z.enum(['account_not_found', 'forbidden', 'insufficient_funds', 'abandoned']),
  }),
  TransferDebited: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    amount: Amount,
    currency: Currency,
    balanceAfter: Balance,
    counterpartyAccountId: Uuid,
  }),
  TransferRejected: z.strictObject({
    transactionId: Uuid,
    initiator: Subject,
    amount: Amount,
    counterpartyAccountId: Uuid,
    reason: z.enum(['account_not_found', 'forbidden', 'insufficient_funds', 'invalid_transfer', 'abandoned']),
  }),
  TransferCredited: z.strictObject({
    transactionId: Uuid,
    amount: Amount,
    currency: Currency,
    balanceAfter: Balance,
    counterpartyAccountId: Uuid,
    transferEventId: Uuid,
  }),
  TransferCreditRejected: z.strictObject({
    transactionId: Uuid,
    amount: Amount,
    currency: Currency,
    counterpartyAccountId: Uuid,
    transferEventId: Uuid,
    reason: z.enum(['account_not_found', 'currency_mismatch', 'balance_limit_exceeded', 'invalid_transfer']),
  }),
  TransferRefunded: z.strictObject({
    transactionId: Uuid,
    amount: Amount,
    currency: Currency,
    balanceAfter: Balance,
    counterpartyAccountId: Uuid,
    reason: ReasonCodeSchema,
  }),
  TransferRefundRejected: z.strictObject({
    transactionId: Uuid,
    amount: Amount,
    counterpartyAccountId: Uuid,
    reason: z.enum(['account_not_found', 'balance_limit_exceeded', 'invalid_transfer']),
    creditRejectionReason: ReasonCodeSchema,
  }),
} as const satisfies Record<OutcomeType, z.ZodType>;

/**
 * Every fact type, in the order the domain lists its outcomes.
 *
 * @example
 * FACT_TYPES.includes('Deposited'); // true
 */
export const FACT_TYPES = Object.keys(FACT_DATA_V1) as OutcomeType[];

/**
 * Metadata of a fact: the flow it belongs to and the request it decides.
 *
 * @example
 * FactMetadataSchema.parse({ correlationId: 'req-1', causationId: requestEventId });
 */
export const FactMetadataSchema = z.strictObject({
  correlationId: CorrelationId,
  /** Event id of the request this fact decides. */
  causationId: Uuid,
});

function envelope<const T extends OutcomeType>(type: T) {
  return z.strictObject({
    factId: Uuid,
    type: z.literal(type),
    schemaVersion: z.literal(FACT_SCHEMA_VERSION_1),
    accountId: Uuid,
    occurredAt: IsoDateTime,
    data: FACT_DATA_V1[type],
    metadata: FactMetadataSchema,
  });
}

/**
 * Any v1 fact on the facts topic, discriminated on `type`.
 *
 * @example
 * FactV1Schema.safeParse(JSON.parse(text)).success;
 */
export const FactV1Schema = z.discriminatedUnion('type', [
  envelope('AccountOpened'),
  envelope('AccountOpenRejected'),
  envelope('Deposited'),
  envelope('DepositRejected'),
  envelope('Withdrawn'),
  envelope('WithdrawalRejected'),
  envelope('TransferDebited'),
  envelope('TransferRejected'),
  envelope('TransferCredited'),
  envelope('TransferCreditRejected'),
  envelope('TransferRefunded'),
  envelope('TransferRefundRejected'),
]);

/**
 * A v1 fact as it travels.
 *
 * @example
 * const envelope: FactEnvelopeV1 = FactV1Schema.parse(json);
 */
export type FactEnvelopeV1 = z.output<typeof FactV1Schema>;

// The compiler checks that each fact's wire `data` and the domain outcome's own fields are the same set
// with the same types: changing one without the other fails here, naming the fact type.
type OwnFields<T extends OutcomeType> = Omit<
  Extract<Outcome, { type: T }>,
  'type' | 'requestEventId' | 'accountId' | 'correlationId' | 'at'
>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Disagreeing = {
  [T in OutcomeType]: Same<OwnFields<T>, z.output<(typeof FACT_DATA_V1)[T]>> extends true ? never : T;
}[OutcomeType];
export const WIRE_AND_DOMAIN_AGREE: [Disagreeing] extends [never] ? true : Disagreeing = true;
