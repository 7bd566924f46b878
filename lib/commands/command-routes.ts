import type { z } from 'zod';
import { createEvent } from '../events/create-event.js';
import type { RequestIds } from '../events/ids.js';
import type { Principal } from '../auth/types.js';
import type { BankEvent, EventMetadata } from '../events/types.js';
import type { PendingTransaction } from './admission.js';
import { AmountBody, OpenAccountBody, TransferBody } from './request-schemas.js';

/** What a route turns into an event. */
export interface CommandInput<Body> {
  body: Body;
  /** The `{id}` of the path; undefined for `POST /accounts`. */
  accountId: string | undefined;
  ids: RequestIds;
  /** Who asked; the projector decides whether it may (it must own the account it acts on). */
  principal: Principal;
  metadata: EventMetadata;
  occurredAt: string;
}

/**
 * One command route: how its body is validated, which event it publishes, what it answers.
 *
 * @example
 * ```ts
 * export const handler = commandHandler(depositRoute);
 * ```
 */
export interface CommandRoute<Schema extends z.ZodType> {
  /** Names the route in logs and in the idempotency fingerprint. */
  name: string;
  type: PendingTransaction['type'];
  /** True when the path carries the account id. */
  hasAccountPath: boolean;
  body: Schema;
  /** Checks that need the path and the body together, as `{path, message}` issues. */
  check?: (input: {
    accountId: string | undefined;
    body: z.output<Schema>;
  }) => { path: string; message: string }[];
  toEvent(input: CommandInput<z.output<Schema>>): BankEvent;
  /** The 202 body. */
  answer(event: BankEvent): Record<string, unknown>;
}

const pendingAnswer = (event: BankEvent) => ({ transactionId: event.data.transactionId, status: 'pending' });

/** `POST /accounts`: the account id is new, derived from the Idempotency-Key when there is one. */
export const openAccountRoute: CommandRoute<typeof OpenAccountBody> = {
  name: 'open-account',
  type: 'account_open',
  hasAccountPath: false,
  body: OpenAccountBody,
  toEvent: ({ body, ids, principal, metadata, occurredAt }) =>
    createEvent<'AccountOpenRequested'>({
      eventId: ids.eventId,
      type: 'AccountOpenRequested',
      accountId: ids.accountId,
      occurredAt,
      data: { transactionId: ids.transactionId, name: body.name, currency: body.currency, principal },
      metadata,
    }),
  answer: (event) => ({ accountId: event.accountId, ...pendingAnswer(event) }),
};

/** A route whose body is just an amount for the account in the path: deposits and withdrawals. */
function amountRoute(
  name: string,
  type: 'deposit' | 'withdrawal',
  eventType: 'DepositRequested' | 'WithdrawalRequested',
): CommandRoute<typeof AmountBody> {
  return {
    name,
    type,
    hasAccountPath: true,
    body: AmountBody,
    toEvent: ({ body, accountId, ids, principal, metadata, occurredAt }) =>
      createEvent({
        eventId: ids.eventId,
        type: eventType,
        accountId: accountId as string,
        occurredAt,
        data: { transactionId: ids.transactionId, amount: body.amount, principal },
        metadata,
      }),
    answer: pendingAnswer,
  };
}

/** `POST /accounts/{id}/deposits`. */
export const depositRoute = amountRoute('deposit', 'deposit', 'DepositRequested');

/** `POST /accounts/{id}/withdrawals`. */
export const withdrawRoute = amountRoute('withdraw', 'withdrawal', 'WithdrawalRequested');

/** `POST /accounts/{id}/transfers`: keyed by the source; the projector completes it on the destination. */
export const transferRoute: CommandRoute<typeof TransferBody> = {
  name: 'transfer',
  type: 'transfer',
  hasAccountPath: true,
  body: TransferBody,
  check: ({ accountId, body }) =>
    body.toAccountId.toLowerCase() === accountId?.toLowerCase()
      ? [{ path: 'body.toAccountId', message: 'must differ from the source account in the path' }]
      : [],
  toEvent: ({ body, accountId, ids, principal, metadata, occurredAt }) =>
    createEvent<'TransferRequested'>({
      eventId: ids.eventId,
      type: 'TransferRequested',
      accountId: accountId as string,
      occurredAt,
      data: {
        transactionId: ids.transactionId,
        toAccountId: body.toAccountId,
        amount: body.amount,
        principal,
      },
      metadata,
    }),
  answer: pendingAnswer,
};
