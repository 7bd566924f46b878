import { describe, expect, it } from 'vitest';
import { OutcomeNotApplicableError } from '../../lib/domain/errors.js';
import { evolve } from '../../lib/domain/evolve.js';
import { accountsState, initialState } from '../../lib/domain/state.js';
import type { Outcome } from '../../lib/domain/types.js';
import {
  initiatedBaseOf,
  depositRequest,
  funded,
  id,
  opened,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const alice = id('alice');
const bob = id('bob');
const fold = (...outcomes: Outcome[]) => outcomes.reduce(evolve, initialState());

describe('evolve', () => {
  it('counts every recorded outcome in version and dates the account by the latest one', () => {
    const withdrawal = withdrawalRequest(alice, 999, { at: '2025-03-01T00:00:00.000Z' });
    const state = fold(opened(alice, 'EUR', '2025-01-01T00:00:00.000Z'), funded(alice, 100), {
      ...initiatedBaseOf('WithdrawalRejected', withdrawal),
      amount: 999,
      reason: 'insufficient_funds',
    });
    expect(state.get(alice)).toMatchObject({
      balance: 100,
      version: 3,
      openedAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-03-01T00:00:00.000Z',
    });
  });

  it('moves the balance by the amount for each applied outcome', () => {
    const debit = transferRequest(alice, bob, 30);
    const withdrawal = withdrawalRequest(alice, 20);
    const state = fold(
      opened(alice),
      funded(alice, 100),
      {
        ...initiatedBaseOf('TransferDebited', debit),
        amount: 30,
        currency: 'EUR',
        balanceAfter: 70,
        counterpartyAccountId: bob,
      },
      { ...initiatedBaseOf('Withdrawn', withdrawal), amount: 20, currency: 'EUR', balanceAfter: 50 },
    );
    expect(state.get(alice)).toMatchObject({ balance: 50, version: 4 });
  });

  it('leaves the state as it is for a rejection on a missing account', () => {
    const state = fold(opened(bob));
    const request = depositRequest(alice, 5);
    const next = evolve(state, {
      ...initiatedBaseOf('DepositRejected', request),
      amount: 5,
      reason: 'account_not_found',
    });
    expect(next).toBe(state);
  });

  it('returns a new map and never modifies its input', () => {
    const state = fold(opened(alice));
    const snapshot = structuredClone(state);
    const next = evolve(state, funded(alice, 10));
    expect(next).not.toBe(state);
    expect(state).toEqual(snapshot);
    expect(next.get(alice)?.balance).toBe(10);
  });

  it('refuses an applied outcome for a missing account', () => {
    expect(() => evolve(initialState(), funded(alice, 10))).toThrow(OutcomeNotApplicableError);
  });

  it('refuses to open an account twice', () => {
    expect(() => fold(opened(alice), opened(alice))).toThrow(/already exists/);
  });

  it('refuses a balanceAfter that disagrees with balance ± amount', () => {
    const state = fold(opened(alice), funded(alice, 100));
    const request = depositRequest(alice, 5);
    expect(() =>
      evolve(state, {
        ...initiatedBaseOf('Deposited', request),
        amount: 5,
        currency: 'EUR',
        balanceAfter: 999,
      }),
    ).toThrow(OutcomeNotApplicableError);
  });

  it('refuses a balance below zero', () => {
    const state = fold(opened(alice), funded(alice, 10));
    const request = withdrawalRequest(alice, 11);
    expect(() =>
      evolve(state, {
        ...initiatedBaseOf('Withdrawn', request),
        amount: 11,
        currency: 'EUR',
        balanceAfter: -1,
      }),
    ).toThrow(/out of range/);
  });
});

describe('accountsState', () => {
  it('indexes loaded accounts by id', () => {
    const account = fold(opened(alice)).get(alice);
    if (!account) throw new Error('fixture');
    const state = accountsState([account]);
    expect(state.get(alice)).toBe(account);
    expect(state.size).toBe(1);
  });
});
