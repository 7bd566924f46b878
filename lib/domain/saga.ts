import { createEvent } from '../events/create-event.js';
import { transferCreditEventId, transferRefundEventId } from '../events/ids.js';
import type { BankEvent } from '../events/types.js';
import { unreachable } from './exhaustive.js';
import type { Outcome } from './types.js';

/**
 * The saga events an outcome requires the projector to publish (through its outbox):
 * - `TransferDebited` → `TransferCreditRequested` keyed by the destination, id v5(`credit:<transfer eventId>`);
 * - `TransferCreditRejected` → `TransferRefundRequested` keyed by the source, id v5(`refund:<transfer eventId>`),
 *   except for `invalid_transfer`: a credit from an account to itself never follows a real debit (the source
 *   refuses self-transfers), so refunding it would create money;
 * - anything else → nothing.
 *
 * Pure and deterministic: `causationId` is the event that triggered the step, `correlationId` and `occurredAt`
 * are carried over from the request, `idempotencyKey` is null (the deterministic event id already deduplicates),
 * so republishing after a crash or replay yields byte-identical events.
 *
 * @example
 * for (const event of outcomes.flatMap(followUps)) outbox.add(event);
 */
export function followUps(outcome: Outcome): BankEvent[] {
  const metadata = {
    correlationId: outcome.correlationId,
    causationId: outcome.requestEventId,
    idempotencyKey: null,
  };
  switch (outcome.type) {
    case 'TransferDebited':
      return [
        createEvent({
          eventId: transferCreditEventId(outcome.requestEventId),
          type: 'TransferCreditRequested',
          accountId: outcome.counterpartyAccountId,
          occurredAt: outcome.at,
          data: {
            transactionId: outcome.transactionId,
            fromAccountId: outcome.accountId,
            amount: outcome.amount,
            currency: outcome.currency,
          },
          metadata,
        }),
      ];
    case 'TransferCreditRejected':
      if (outcome.reason === 'invalid_transfer') return [];
      return [
        createEvent({
          eventId: transferRefundEventId(outcome.transferEventId),
          type: 'TransferRefundRequested',
          accountId: outcome.counterpartyAccountId,
          occurredAt: outcome.at,
          data: {
            transactionId: outcome.transactionId,
            toAccountId: outcome.accountId,
            amount: outcome.amount,
            reason: outcome.reason,
          },
          metadata,
        }),
      ];
    case 'AccountOpened':
    case 'AccountOpenRejected':
    case 'Deposited':
    case 'DepositRejected':
    case 'Withdrawn':
    case 'WithdrawalRejected':
    case 'TransferRejected':
    case 'TransferCredited':
    case 'TransferRefunded':
    case 'TransferRefundRejected':
      return [];
    default:
      return unreachable(outcome);
  }
}
