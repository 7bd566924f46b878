import { v5 } from 'uuid';
import type { AccountOpened, Deposited, OutcomeBase } from '../../lib/domain/types.js';
import { createEvent } from '../../lib/events/create-event.js';
import { BankEventSchema } from '../../lib/events/schema-versions.js';
import type { BankEvent, BankEventOf, ReasonCode } from '../../lib/events/types.js';
import { HOLDER } from '../support/bank-events.js';
import type { Principal } from '../../lib/domain/types.js';

export { HOLDER };

const TEST_NAMESPACE = '7f0b7c1e-3a57-4f53-9b6e-0a4f3f1d2c11';

/** A readable, deterministic uuid for a test name: `id('alice')` is always the same valid UUID. */
export function id(name: string): string {
  return v5(name, TEST_NAMESPACE);
}

export const AT = '2025-01-31T10:00:00.000Z';

let sequence = 0;
function next(prefix: string): string {
  sequence += 1;
  return id(`${prefix}-${sequence}`);
}

interface Common {
  /** Who asks (customer requests only); the {@link HOLDER} by default. */
  principal?: Principal;
  eventId?: string;
  transactionId?: string;
  at?: string;
  correlationId?: string;
}

function metadata<C extends string | null = null>(options: Common, causationId: C = null as C) {
  return { correlationId: options.correlationId ?? 'corr-test', causationId, idempotencyKey: null };
}

// Every fixture goes through the real schema, so a test can never run on an event the codec would refuse.
function valid<T extends BankEvent['type']>(event: BankEventOf<T>): BankEventOf<T> {
  return BankEventSchema.parse(event) as BankEventOf<T>;
}

export function openRequest(
  accountId: string,
  options: Common & { name?: string; currency?: string } = {},
): BankEventOf<'AccountOpenRequested'> {
  return valid(
    createEvent({
      eventId: options.eventId ?? next('event'),
      type: 'AccountOpenRequested',
      accountId,
      occurredAt: options.at ?? AT,
      data: {
        transactionId: options.transactionId ?? next('tx'),
        name: options.name ?? 'Ada Lovelace',
        currency: options.currency ?? 'EUR',
        principal: options.principal ?? HOLDER,
      },
      metadata: metadata(options),
    }),
  );
}

export function depositRequest(
  accountId: string,
  amount: number,
  options: Common = {},
): BankEventOf<'DepositRequested'> {
  return valid(
    createEvent({
      eventId: options.eventId ?? next('event'),
      type: 'DepositRequested',
      accountId,
      occurredAt: options.at ?? AT,
      data: {
        transactionId: options.transactionId ?? next('tx'),
        amount,
        principal: options.principal ?? HOLDER,
      },
      metadata: metadata(options),
    }),
  );
}

export function withdrawalRequest(
  accountId: string,
  amount: number,
  options: Common = {},
): BankEventOf<'WithdrawalRequested'> {
  return valid(
    createEvent({
      eventId: options.eventId ?? next('event'),
      type: 'WithdrawalRequested',
      accountId,
      occurredAt: options.at ?? AT,
      data: {
        transactionId: options.transactionId ?? next('tx'),
        amount,
        principal: options.principal ?? HOLDER,
      },
      metadata: metadata(options),
    }),
  );
}

export function transferRequest(
  fromAccountId: string,
  toAccountId: string,
  amount: number,
  options: Common = {},
): BankEventOf<'TransferRequested'> {
  return valid(
    createEvent({
      eventId: options.eventId ?? next('event'),
      type: 'TransferRequested',
      accountId: fromAccountId,
      occurredAt: options.at ?? AT,
      data: {
        transactionId: options.transactionId ?? next('tx'),
        toAccountId,
        amount,
        principal: options.principal ?? HOLDER,
      },
      metadata: metadata(options),
    }),
  );
}

export function creditRequest(
  toAccountId: string,
  fromAccountId: string,
  amount: number,
  options: Common & { currency?: string; transferEventId?: string } = {},
): BankEventOf<'TransferCreditRequested'> {
  return valid(
    createEvent({
      eventId: options.eventId ?? next('event'),
      type: 'TransferCreditRequested',
      accountId: toAccountId,
      occurredAt: options.at ?? AT,
      data: {
        transactionId: options.transactionId ?? next('tx'),
        fromAccountId,
        amount,
        currency: options.currency ?? 'EUR',
      },
      metadata: metadata(options, options.transferEventId ?? next('transfer-event')),
    }),
  );
}

export function refundRequest(
  fromAccountId: string,
  toAccountId: string,
  amount: number,
  options: Common & { reason?: ReasonCode; creditEventId?: string } = {},
): BankEventOf<'TransferRefundRequested'> {
  return valid(
    createEvent({
      eventId: options.eventId ?? next('event'),
      type: 'TransferRefundRequested',
      accountId: fromAccountId,
      occurredAt: options.at ?? AT,
      data: {
        transactionId: options.transactionId ?? next('tx'),
        toAccountId,
        amount,
        reason: options.reason ?? 'account_not_found',
      },
      metadata: metadata(options, options.creditEventId ?? next('credit-event')),
    }),
  );
}

/** The fields every outcome of `request` carries. */
export function baseOf<T extends string>(type: T, request: BankEvent): OutcomeBase<T> {
  return {
    type,
    requestEventId: request.eventId,
    transactionId: request.data.transactionId,
    accountId: request.accountId,
    correlationId: request.metadata.correlationId,
    at: request.occurredAt,
  };
}

/** The fields every outcome of a customer's `request` carries: the base, and who asked. */
export function initiatedBaseOf<T extends string>(
  type: T,
  request: BankEventOf<
    'AccountOpenRequested' | 'DepositRequested' | 'WithdrawalRequested' | 'TransferRequested'
  >,
): OutcomeBase<T> & { initiator: string } {
  return { ...baseOf(type, request), initiator: request.data.principal.subject };
}

/** A past `AccountOpened` (owned by `owner`, the {@link HOLDER} by default), for `given(...)`. */
export function opened(accountId: string, currency = 'EUR', at = AT, owner = HOLDER.subject): AccountOpened {
  return {
    ...baseOf('AccountOpened', openRequest(accountId, { currency, at })),
    owner,
    name: 'Ada Lovelace',
    currency,
  };
}

/**
 * A past `Deposited` taking an account from `from` to `from + amount`, for `given(...)`. The amount may exceed a
 * single request's maximum: it stands for the account's history, to reach balances near the limit in one step.
 */
export function funded(accountId: string, amount: number, from = 0, currency = 'EUR', at = AT): Deposited {
  return {
    ...initiatedBaseOf('Deposited', depositRequest(accountId, 1, { at })),
    amount,
    currency,
    balanceAfter: from + amount,
  };
}
