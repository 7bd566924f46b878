import { describe, expect, it } from 'vitest';
import { decide } from '../../lib/domain/decide.js';
import { evolve } from '../../lib/domain/evolve.js';
import { followUps } from '../../lib/domain/saga.js';
import { initialState } from '../../lib/domain/state.js';
import type { Outcome } from '../../lib/domain/types.js';
import { decodeEvent, encodeEvent } from '../../lib/events/codec.js';
import { transferCreditEventId, transferRefundEventId } from '../../lib/events/ids.js';
import type { BankEvent } from '../../lib/events/types.js';
import {
  creditRequest,
  depositRequest,
  funded,
  id,
  opened,
  refundRequest,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const alice = id('alice');
const bob = id('bob');

function only(request: BankEvent, outcomes: Outcome[]): Outcome {
  const [outcome] = decide(request, outcomes.reduce(evolve, initialState()));
  if (!outcome) throw new Error('no outcome');
  return outcome;
}

describe('followUps', () => {
  const transfer = transferRequest(alice, bob, 400, {
    at: '2025-04-01T12:00:00.000Z',
    correlationId: 'req-transfer-1',
  });
  const debited = only(transfer, [opened(alice, 'GBP'), funded(alice, 1000, 0, 'GBP')]);

  it('asks the destination for the credit after a debit, deterministically', () => {
    expect(followUps(debited)).toEqual([
      {
        eventId: transferCreditEventId(transfer.eventId),
        type: 'TransferCreditRequested',
        schemaVersion: 1,
        accountId: bob,
        occurredAt: '2025-04-01T12:00:00.000Z',
        data: {
          transactionId: transfer.data.transactionId,
          fromAccountId: alice,
          amount: 400,
          currency: 'GBP',
        },
        metadata: { correlationId: 'req-transfer-1', causationId: transfer.eventId, idempotencyKey: null },
      },
    ]);
    expect(followUps(debited)).toEqual(followUps(structuredClone(debited)));
  });

  it('produces events that pass the shared schema and survive the codec', () => {
    const [credit] = followUps(debited);
    if (!credit) throw new Error('no credit');
    expect(decodeEvent(encodeEvent(credit))).toEqual({ ok: true, event: credit });
  });

  it('asks the source for a refund after the destination refused, with the id derived from the transfer', () => {
    const [credit] = followUps(debited);
    if (credit?.type !== 'TransferCreditRequested') throw new Error('no credit');
    const refused = only(credit, [opened(bob, 'EUR')]);
    expect(refused).toMatchObject({ type: 'TransferCreditRejected', reason: 'currency_mismatch' });
    const refunds = followUps(refused);
    expect(refunds).toEqual([
      {
        eventId: transferRefundEventId(transfer.eventId),
        type: 'TransferRefundRequested',
        schemaVersion: 1,
        accountId: alice,
        occurredAt: '2025-04-01T12:00:00.000Z',
        data: {
          transactionId: transfer.data.transactionId,
          toAccountId: bob,
          amount: 400,
          reason: 'currency_mismatch',
        },
        metadata: { correlationId: 'req-transfer-1', causationId: credit.eventId, idempotencyKey: null },
      },
    ]);
    const [refund] = refunds;
    if (!refund) throw new Error('no refund');
    expect(decodeEvent(encodeEvent(refund))).toEqual({ ok: true, event: refund });
    // The refund brings the source back to where it was before the transfer.
    const back = only(refund, [opened(alice, 'GBP'), funded(alice, 1000, 0, 'GBP'), debited]);
    expect(back).toMatchObject({ type: 'TransferRefunded', balanceAfter: 1000, reason: 'currency_mismatch' });
  });

  it('asks for no refund after a refused self-credit, which no debit can precede', () => {
    expect(followUps(only(creditRequest(bob, bob, 5), [opened(bob)]))).toEqual([]);
  });

  it('asks for nothing after any other outcome', () => {
    const others: Outcome[] = [
      only(depositRequest(alice, 5), [opened(alice)]),
      only(withdrawalRequest(alice, 5), [opened(alice), funded(alice, 5)]),
      only(withdrawalRequest(alice, 5), [opened(alice)]), // insufficient funds
      only(transferRequest(alice, bob, 5), [opened(alice)]), // insufficient funds
      only(creditRequest(bob, alice, 5), [opened(bob)]), // credited
      only(refundRequest(alice, bob, 5), [opened(alice)]), // refunded
      only(refundRequest(alice, bob, 5), []), // refund rejected
    ];
    expect(others.map((outcome) => outcome.type)).toEqual([
      'Deposited',
      'Withdrawn',
      'WithdrawalRejected',
      'TransferRejected',
      'TransferCredited',
      'TransferRefunded',
      'TransferRefundRejected',
    ]);
    for (const outcome of others) expect(followUps(outcome)).toEqual([]);
  });
});
