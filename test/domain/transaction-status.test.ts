import { describe, expect, it } from 'vitest';
import { decide } from '../../lib/domain/decide.js';
import { evolve } from '../../lib/domain/evolve.js';
import { addLedgerDelta, ledgerDelta, ZERO_LEDGER_DELTA } from '../../lib/domain/ledger.js';
import { initialState } from '../../lib/domain/state.js';
import { transactionStatus } from '../../lib/domain/transaction-status.js';
import type { Outcome } from '../../lib/domain/types.js';
import type { BankEvent } from '../../lib/events/types.js';
import {
  creditRequest,
  depositRequest,
  funded,
  id,
  opened,
  openRequest,
  refundRequest,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const alice = id('alice');
const bob = id('bob');
const richAlice = [opened(alice), funded(alice, 1000)].reduce(evolve, initialState());
const poorAlice = [opened(alice)].reduce(evolve, initialState());
const usdBob = [opened(bob, 'USD')].reduce(evolve, initialState());
const eurBob = [opened(bob, 'EUR')].reduce(evolve, initialState());

function only(request: BankEvent, state = richAlice): Outcome {
  const [outcome] = decide(request, state);
  if (!outcome) throw new Error('no outcome');
  return outcome;
}

// One sample of every outcome type, with the status and ledger delta each must produce.
const cases: [string, Outcome, Partial<ReturnType<typeof transactionStatus>>, typeof ZERO_LEDGER_DELTA][] = [
  [
    'AccountOpened',
    only(openRequest(bob)),
    { kind: 'account_open', status: 'applied', stage: 2, reason: null, refund: 'none' },
    ZERO_LEDGER_DELTA,
  ],
  [
    'AccountOpenRejected',
    only(openRequest(alice)),
    { kind: 'account_open', status: 'rejected', stage: 2, reason: 'account_already_exists' },
    ZERO_LEDGER_DELTA,
  ],
  [
    'Deposited',
    only(depositRequest(alice, 70)),
    { kind: 'deposit', status: 'applied', stage: 2, reason: null },
    { deposited: 70, withdrawn: 0, inFlight: 0 },
  ],
  [
    'DepositRejected',
    only(depositRequest(bob, 70)),
    { kind: 'deposit', status: 'rejected', stage: 2, reason: 'account_not_found' },
    ZERO_LEDGER_DELTA,
  ],
  [
    'Withdrawn',
    only(withdrawalRequest(alice, 30)),
    { kind: 'withdrawal', status: 'applied', stage: 2, reason: null },
    { deposited: 0, withdrawn: 30, inFlight: 0 },
  ],
  [
    'WithdrawalRejected',
    only(withdrawalRequest(alice, 30), poorAlice),
    { kind: 'withdrawal', status: 'rejected', stage: 2, reason: 'insufficient_funds' },
    ZERO_LEDGER_DELTA,
  ],
  [
    'TransferDebited',
    only(transferRequest(alice, bob, 40)),
    { kind: 'transfer', status: 'pending', stage: 1, reason: null, refund: 'none' },
    { deposited: 0, withdrawn: 0, inFlight: 40 },
  ],
  [
    'TransferRejected',
    only(transferRequest(alice, bob, 40), poorAlice),
    { kind: 'transfer', status: 'rejected', stage: 2, reason: 'insufficient_funds', refund: 'none' },
    ZERO_LEDGER_DELTA,
  ],
  [
    'TransferCredited',
    only(creditRequest(bob, alice, 40), eurBob),
    { kind: 'transfer', status: 'applied', stage: 2, reason: null, refund: 'none' },
    { deposited: 0, withdrawn: 0, inFlight: -40 },
  ],
  [
    'TransferCreditRejected',
    only(creditRequest(bob, alice, 40), usdBob),
    { kind: 'transfer', status: 'rejected', stage: 2, reason: 'currency_mismatch', refund: 'pending' },
    ZERO_LEDGER_DELTA,
  ],
  [
    'TransferRefunded',
    only(refundRequest(alice, bob, 40, { reason: 'currency_mismatch' })),
    { kind: 'transfer', status: 'rejected', stage: 3, reason: 'currency_mismatch', refund: 'applied' },
    { deposited: 0, withdrawn: 0, inFlight: -40 },
  ],
  [
    'TransferRefundRejected',
    only(refundRequest(bob, alice, 40, { reason: 'currency_mismatch' }), initialState()),
    { kind: 'transfer', status: 'rejected', stage: 3, reason: 'currency_mismatch', refund: 'failed' },
    ZERO_LEDGER_DELTA,
  ],
];

describe('transactionStatus and ledgerDelta per outcome', () => {
  it.each(cases)('%s', (type, outcome, status, delta) => {
    expect(outcome.type).toBe(type);
    expect(transactionStatus(outcome)).toEqual({
      transactionId: outcome.transactionId,
      updatedAt: outcome.at,
      refund: 'none',
      ...status,
    });
    expect(ledgerDelta(outcome)).toEqual(delta);
  });

  it('covers every outcome type', () => {
    expect(new Set(cases.map(([type]) => type)).size).toBe(12);
  });

  it('expects no refund after a self-credit (invalid_transfer)', () => {
    const outcome = only(creditRequest(bob, bob, 5), eurBob);
    expect(transactionStatus(outcome)).toMatchObject({
      status: 'rejected',
      reason: 'invalid_transfer',
      refund: 'none',
    });
  });
});

describe('addLedgerDelta', () => {
  it('sums componentwise', () => {
    expect(
      addLedgerDelta(
        { deposited: 1, withdrawn: 2, inFlight: 3 },
        { deposited: 10, withdrawn: 20, inFlight: -30 },
      ),
    ).toEqual({ deposited: 11, withdrawn: 22, inFlight: -27 });
  });
});
