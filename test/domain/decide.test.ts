import { describe, expect, it } from 'vitest';
import { accountDecider } from '../../lib/domain/decider.js';
import type { TransferCreditRejected } from '../../lib/domain/types.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../../lib/events/primitives.js';
import { deciderSpecification } from './decider-specification.js';
import {
  AT,
  baseOf,
  initiatedBaseOf,
  creditRequest,
  depositRequest,
  funded,
  HOLDER,
  id,
  opened,
  openRequest,
  refundRequest,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const given = deciderSpecification(accountDecider);
const alice = id('alice');
const bob = id('bob');

describe('decide: opening an account', () => {
  it('opens a new account with balance 0 and version 1, dated by the request', () => {
    const request = openRequest(alice, { name: 'Alice', currency: 'EUR', at: '2025-02-01T08:00:00.000Z' });
    const { state } = given()
      .when(request)
      .then({ ...baseOf('AccountOpened', request), owner: HOLDER.subject, name: 'Alice', currency: 'EUR' });
    expect(state.get(alice)).toEqual({
      accountId: alice,
      owner: HOLDER.subject,
      name: 'Alice',
      currency: 'EUR',
      balance: 0,
      version: 1,
      openedAt: '2025-02-01T08:00:00.000Z',
      updatedAt: '2025-02-01T08:00:00.000Z',
    });
  });

  it('refuses an id that is taken: account_already_exists, recorded on the existing account', () => {
    const request = openRequest(alice, { name: 'Mallory', currency: 'USD' });
    const { state } = given(opened(alice, 'EUR'), funded(alice, 100))
      .when(request)
      .then({
        ...initiatedBaseOf('AccountOpenRejected', request),
        name: 'Mallory',
        currency: 'USD',
        reason: 'account_already_exists',
      });
    expect(state.get(alice)).toMatchObject({
      name: 'Ada Lovelace',
      currency: 'EUR',
      balance: 100,
      version: 3,
    });
  });
});

describe('decide: deposits', () => {
  it('adds the amount', () => {
    const request = depositRequest(alice, 250);
    const { state } = given(opened(alice), funded(alice, 1000))
      .when(request)
      .then({ ...initiatedBaseOf('Deposited', request), amount: 250, currency: 'EUR', balanceAfter: 1250 });
    expect(state.get(alice)?.balance).toBe(1250);
  });

  it('refuses a missing account: account_not_found', () => {
    const request = depositRequest(alice, 250);
    const { state } = given()
      .when(request)
      .then({ ...initiatedBaseOf('DepositRejected', request), amount: 250, reason: 'account_not_found' });
    expect(state.size).toBe(0);
  });

  it('accepts a deposit reaching exactly MAX_SAFE_INTEGER', () => {
    const request = depositRequest(alice, MAX_AMOUNT);
    given(opened(alice), funded(alice, MAX_BALANCE - MAX_AMOUNT))
      .when(request)
      .then({
        ...initiatedBaseOf('Deposited', request),
        amount: MAX_AMOUNT,
        currency: 'EUR',
        balanceAfter: MAX_BALANCE,
      });
  });

  it('refuses a deposit that would pass MAX_SAFE_INTEGER: balance_limit_exceeded', () => {
    const request = depositRequest(alice, 2);
    const { state } = given(opened(alice), funded(alice, MAX_BALANCE - 1))
      .when(request)
      .then({ ...initiatedBaseOf('DepositRejected', request), amount: 2, reason: 'balance_limit_exceeded' });
    expect(state.get(alice)).toMatchObject({ balance: MAX_BALANCE - 1, version: 3 });
  });
});

describe('decide: withdrawals', () => {
  it('subtracts the amount, down to exactly zero', () => {
    const request = withdrawalRequest(alice, 1000);
    given(opened(alice), funded(alice, 1000))
      .when(request)
      .then({ ...initiatedBaseOf('Withdrawn', request), amount: 1000, currency: 'EUR', balanceAfter: 0 });
  });

  it('refuses more than the balance: insufficient_funds, balance unchanged', () => {
    const request = withdrawalRequest(alice, 1001);
    const { state } = given(opened(alice), funded(alice, 1000))
      .when(request)
      .then({
        ...initiatedBaseOf('WithdrawalRejected', request),
        amount: 1001,
        reason: 'insufficient_funds',
      });
    expect(state.get(alice)).toMatchObject({ balance: 1000, version: 3 });
  });

  it('refuses a missing account: account_not_found', () => {
    const request = withdrawalRequest(alice, 1);
    given(opened(bob))
      .when(request)
      .then({ ...initiatedBaseOf('WithdrawalRejected', request), amount: 1, reason: 'account_not_found' });
  });
});

describe('decide: transfer at the source', () => {
  it('debits the source and names the destination and the source currency', () => {
    const request = transferRequest(alice, bob, 400);
    const { state } = given(opened(alice, 'GBP'), funded(alice, 1000, 0, 'GBP'))
      .when(request)
      .then({
        ...initiatedBaseOf('TransferDebited', request),
        amount: 400,
        currency: 'GBP',
        balanceAfter: 600,
        counterpartyAccountId: bob,
      });
    expect(state.get(alice)?.balance).toBe(600);
  });

  it('does not look at the destination (it lives on another partition)', () => {
    const request = transferRequest(alice, bob, 400);
    const [outcome] = accountDecider.decide(
      request,
      [opened(alice), funded(alice, 1000)].reduce(accountDecider.evolve, accountDecider.initialState()),
    );
    expect(outcome?.type).toBe('TransferDebited');
  });

  it('refuses a transfer to itself: invalid_transfer, even on a funded account', () => {
    const request = transferRequest(alice, alice, 1);
    given(opened(alice), funded(alice, 1000))
      .when(request)
      .then({
        ...initiatedBaseOf('TransferRejected', request),
        amount: 1,
        counterpartyAccountId: alice,
        reason: 'invalid_transfer',
      });
  });

  it('refuses a missing source: account_not_found', () => {
    const request = transferRequest(alice, bob, 1);
    given(opened(bob))
      .when(request)
      .then({
        ...initiatedBaseOf('TransferRejected', request),
        amount: 1,
        counterpartyAccountId: bob,
        reason: 'account_not_found',
      });
  });

  it('refuses more than the balance: insufficient_funds', () => {
    const request = transferRequest(alice, bob, 1001);
    const { state } = given(opened(alice), funded(alice, 1000))
      .when(request)
      .then({
        ...initiatedBaseOf('TransferRejected', request),
        amount: 1001,
        counterpartyAccountId: bob,
        reason: 'insufficient_funds',
      });
    expect(state.get(alice)?.balance).toBe(1000);
  });
});

describe('decide: transfer credit at the destination', () => {
  it('credits the destination, naming the source and the transfer event', () => {
    const transferEventId = id('transfer-event-1');
    const request = creditRequest(bob, alice, 400, { transferEventId, currency: 'EUR' });
    const { state } = given(opened(bob), funded(bob, 10))
      .when(request)
      .then({
        ...baseOf('TransferCredited', request),
        amount: 400,
        currency: 'EUR',
        balanceAfter: 410,
        counterpartyAccountId: alice,
        transferEventId,
      });
    expect(state.get(bob)?.balance).toBe(410);
  });

  const rejected = (
    request: ReturnType<typeof creditRequest>,
    reason: TransferCreditRejected['reason'],
  ): TransferCreditRejected => ({
    ...baseOf('TransferCreditRejected', request),
    amount: request.data.amount,
    currency: request.data.currency,
    counterpartyAccountId: request.data.fromAccountId,
    transferEventId: request.metadata.causationId,
    reason,
  });

  it('refuses a missing destination: account_not_found', () => {
    const request = creditRequest(bob, alice, 400);
    given(opened(alice)).when(request).then(rejected(request, 'account_not_found'));
  });

  it('refuses another currency: currency_mismatch', () => {
    const request = creditRequest(bob, alice, 400, { currency: 'USD' });
    const { state } = given(opened(bob, 'EUR')).when(request).then(rejected(request, 'currency_mismatch'));
    expect(state.get(bob)).toMatchObject({ balance: 0, version: 2 });
  });

  it('refuses a credit that would pass MAX_SAFE_INTEGER: balance_limit_exceeded', () => {
    const request = creditRequest(bob, alice, MAX_AMOUNT);
    given(opened(bob), funded(bob, MAX_BALANCE - MAX_AMOUNT + 1))
      .when(request)
      .then(rejected(request, 'balance_limit_exceeded'));
  });

  it('refuses a credit whose source is the account itself: invalid_transfer', () => {
    const request = creditRequest(bob, bob, 400);
    given(opened(bob)).when(request).then(rejected(request, 'invalid_transfer'));
  });

  it('checks invalid_transfer before existence, existence before currency, currency before the limit', () => {
    const selfOnMissing = creditRequest(bob, bob, 1);
    expect(accountDecider.decide(selfOnMissing, new Map())[0]).toMatchObject({ reason: 'invalid_transfer' });
    const wrongCurrencyAtLimit = creditRequest(bob, alice, MAX_AMOUNT, { currency: 'USD' });
    const full = [opened(bob), funded(bob, MAX_BALANCE)].reduce(accountDecider.evolve, new Map());
    expect(accountDecider.decide(wrongCurrencyAtLimit, full)[0]).toMatchObject({
      reason: 'currency_mismatch',
    });
  });
});

describe('decide: transfer refund at the source', () => {
  it('puts the amount back and says why the credit was refused', () => {
    const request = refundRequest(alice, bob, 400, { reason: 'currency_mismatch' });
    const { state } = given(opened(alice), funded(alice, 600))
      .when(request)
      .then({
        ...baseOf('TransferRefunded', request),
        amount: 400,
        currency: 'EUR',
        balanceAfter: 1000,
        counterpartyAccountId: bob,
        reason: 'currency_mismatch',
      });
    expect(state.get(alice)).toMatchObject({ balance: 1000, version: 3 });
  });

  // Cannot happen after a real debit (accounts are never closed); refusing keeps the amount in flight instead of
  // losing it, so conservation still holds and the stuck amount is visible.
  it('refuses a refund for a missing account: TransferRefundRejected account_not_found', () => {
    const request = refundRequest(alice, bob, 400, { reason: 'account_not_found' });
    const { state } = given()
      .when(request)
      .then({
        ...baseOf('TransferRefundRejected', request),
        amount: 400,
        counterpartyAccountId: bob,
        reason: 'account_not_found',
        creditRejectionReason: 'account_not_found',
      });
    expect(state.size).toBe(0);
  });

  it('refuses a refund that would pass MAX_SAFE_INTEGER: the amount stays in flight', () => {
    const request = refundRequest(alice, bob, 10, { reason: 'currency_mismatch' });
    given(opened(alice), funded(alice, MAX_BALANCE - 5))
      .when(request)
      .then({
        ...baseOf('TransferRefundRejected', request),
        amount: 10,
        counterpartyAccountId: bob,
        reason: 'balance_limit_exceeded',
        creditRejectionReason: 'currency_mismatch',
      });
  });

  it('refuses a refund to itself (no self-transfer is ever debited): invalid_transfer', () => {
    const request = refundRequest(alice, alice, 10);
    given(opened(alice))
      .when(request)
      .then({
        ...baseOf('TransferRefundRejected', request),
        amount: 10,
        counterpartyAccountId: alice,
        reason: 'invalid_transfer',
        creditRejectionReason: 'account_not_found',
      });
  });
});

describe('decide: determinism', () => {
  it('uses the request occurredAt, never the clock, and gives equal outcomes for equal inputs', () => {
    const request = depositRequest(alice, 5, { at: '2001-01-01T00:00:00.000Z' });
    const state = [opened(alice, 'EUR', AT)].reduce(accountDecider.evolve, accountDecider.initialState());
    const first = accountDecider.decide(request, state);
    const second = accountDecider.decide(structuredClone(request), new Map(state));
    expect(first).toEqual(second);
    expect(first[0]?.at).toBe('2001-01-01T00:00:00.000Z');
  });

  it('does not modify the state it decides on', () => {
    const state = [opened(alice), funded(alice, 100)].reduce(
      accountDecider.evolve,
      accountDecider.initialState(),
    );
    const snapshot = structuredClone(state);
    accountDecider.decide(withdrawalRequest(alice, 50), state);
    expect(state).toEqual(snapshot);
  });
});
