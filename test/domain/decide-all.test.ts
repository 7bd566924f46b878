import { describe, expect, it } from 'vitest';
import { accountDecider, decideAll } from '../../lib/domain/decider.js';
import { decisionKey } from '../../lib/domain/deduplication.js';
import { followUps } from '../../lib/domain/saga.js';
import { initialState } from '../../lib/domain/state.js';
import type { BankEvent } from '../../lib/events/types.js';
import {
  creditRequest,
  depositRequest,
  id,
  openRequest,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const alice = id('alice');
const bob = id('bob');

describe('decideAll', () => {
  it('folds a batch in order, each decision seeing the state left by the previous one', () => {
    const batch = [
      depositRequest(alice, 10), // before the account exists
      openRequest(alice),
      depositRequest(alice, 100),
      withdrawalRequest(alice, 60),
      withdrawalRequest(alice, 60), // only 40 left
    ];
    const { outcomes, state, decidedKeys, duplicates } = decideAll(batch, initialState());
    expect(outcomes.map((outcome) => [outcome.type, 'reason' in outcome ? outcome.reason : null])).toEqual([
      ['DepositRejected', 'account_not_found'],
      ['AccountOpened', null],
      ['Deposited', null],
      ['Withdrawn', null],
      ['WithdrawalRejected', 'insufficient_funds'],
    ]);
    expect(state.get(alice)).toMatchObject({ balance: 40, version: 4 });
    expect(decidedKeys).toEqual(batch.map(decisionKey));
    expect(duplicates).toEqual([]);
  });

  it('gives the same result as deciding and evolving one by one', () => {
    const batch = [openRequest(alice), depositRequest(alice, 100), transferRequest(alice, bob, 30)];
    let state = accountDecider.initialState();
    const outcomes = [];
    for (const request of batch) {
      for (const outcome of accountDecider.decide(request, state)) {
        outcomes.push(outcome);
        state = accountDecider.evolve(state, outcome);
      }
    }
    expect(decideAll(batch, initialState())).toEqual({
      outcomes,
      state,
      decidedKeys: batch.map(decisionKey),
      duplicates: [],
    });
  });

  it('returns the initial state untouched for an empty batch', () => {
    const initial = initialState();
    expect(decideAll([], initial)).toEqual({ outcomes: [], state: initial, decidedKeys: [], duplicates: [] });
  });

  it('skips a request delivered twice in the batch, so money moves once', () => {
    const deposit = depositRequest(alice, 100);
    const { outcomes, state, duplicates } = decideAll([openRequest(alice), deposit, deposit], initialState());
    expect(outcomes.map((outcome) => outcome.type)).toEqual(['AccountOpened', 'Deposited']);
    expect(duplicates).toEqual([deposit]);
    expect(state.get(alice)?.balance).toBe(100);
  });

  it('skips a credit republished by the outbox after it was decided in an earlier batch', () => {
    const setup = decideAll(
      [openRequest(alice), depositRequest(alice, 100), transferRequest(alice, bob, 30), openRequest(bob)],
      initialState(),
    );
    const credit = setup.outcomes.flatMap(followUps)[0] as BankEvent;
    const first = decideAll([credit], setup.state);
    expect(first.outcomes[0]).toMatchObject({ type: 'TransferCredited', balanceAfter: 30 });
    const again = decideAll([credit], first.state, { alreadyDecided: new Set(first.decidedKeys) });
    expect(again).toEqual({ outcomes: [], state: first.state, decidedKeys: [], duplicates: [credit] });
  });

  // Regression: a rebuild may run the destination's partition ahead of the source's. The credit having been
  // decided must not make the source treat the transfer itself as already seen.
  it('decides a transfer whose credit was already decided on the destination partition', () => {
    const transfer = transferRequest(alice, bob, 30);
    const credit = creditRequest(bob, alice, 30, {
      transactionId: transfer.data.transactionId,
      transferEventId: transfer.eventId,
    });
    const destination = decideAll([openRequest(bob), credit], initialState());
    const source = decideAll([openRequest(alice), depositRequest(alice, 100), transfer], initialState(), {
      alreadyDecided: new Set(destination.decidedKeys),
    });
    expect(source.outcomes.map((outcome) => outcome.type)).toEqual([
      'AccountOpened',
      'Deposited',
      'TransferDebited',
    ]);
    expect(source.duplicates).toEqual([]);
  });

  it('decides again a transfer retried without an Idempotency-Key (new transaction id, not a duplicate)', () => {
    const { outcomes } = decideAll(
      [
        openRequest(alice),
        depositRequest(alice, 100),
        transferRequest(alice, bob, 60),
        transferRequest(alice, bob, 60),
      ],
      initialState(),
    );
    expect(outcomes.slice(2).map((outcome) => outcome.type)).toEqual(['TransferDebited', 'TransferRejected']);
  });
});

describe('decisionKey', () => {
  it('is the transaction id and the request type: one key per step of a transaction', () => {
    const transfer = transferRequest(alice, bob, 30);
    const credit = creditRequest(bob, alice, 30, { transactionId: transfer.data.transactionId });
    expect(decisionKey(transfer)).toBe(`${transfer.data.transactionId}:TransferRequested`);
    expect(decisionKey(credit)).toBe(`${transfer.data.transactionId}:TransferCreditRequested`);
    expect(decisionKey(structuredClone(transfer))).toBe(decisionKey(transfer));
  });
});
