import { describe, expect, it } from 'vitest';
import { decideBatch, evolveBatch } from '../../lib/domain/batch.js';
import { accountDecider, createAccountDecider } from '../../lib/domain/decider.js';
import { followUps } from '../../lib/domain/saga.js';
import { initialState } from '../../lib/domain/state.js';
import type { Outcome } from '../../lib/domain/types.js';
import { factId } from '../../lib/events/ids.js';
import type { BankEvent } from '../../lib/events/types.js';
import { deciderSpecification } from './decider-specification.js';
import {
  creditRequest,
  depositRequest,
  HOLDER,
  id,
  openRequest,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const alice = id('alice');
const bob = id('bob');
const facts = (batch: { steps: readonly { fact: Outcome }[] }) => batch.steps.map((step) => step.fact);
const kinds = (batch: { steps: readonly { fact: Outcome }[] }) =>
  facts(batch).map((fact) => [fact.type, 'reason' in fact ? fact.reason : null]);

describe('decideBatch: the projector fold', () => {
  it('folds a batch in order, each decision seeing the state left by the previous one', () => {
    const batch = [
      depositRequest(alice, 10), // before the account exists
      openRequest(alice),
      depositRequest(alice, 100),
      withdrawalRequest(alice, 60),
      withdrawalRequest(alice, 60), // only 40 left
    ];
    const result = decideBatch(batch, initialState());
    expect(kinds(result)).toEqual([
      ['DepositRejected', 'account_not_found'],
      ['AccountOpened', null],
      ['Deposited', null],
      ['Withdrawn', null],
      ['WithdrawalRejected', 'insufficient_funds'],
    ]);
    expect(result.state.get(alice)).toMatchObject({ balance: 40, version: 4 });
    expect(result.steps.map((step) => step.account?.version)).toEqual([undefined, 1, 2, 3, 4]);
    expect(result.duplicates).toEqual([]);
  });

  it('decides as deciding and evolving one request at a time would', () => {
    const batch = [openRequest(alice), depositRequest(alice, 100), transferRequest(alice, bob, 30)];
    let state = accountDecider.initialState();
    const expected: Outcome[] = [];
    for (const request of batch) {
      for (const fact of accountDecider.decide(request, state)) {
        expected.push(fact);
        state = accountDecider.evolve(state, fact);
      }
    }
    const result = decideBatch(batch, initialState());
    expect(facts(result)).toEqual(expected);
    expect(result.state).toEqual(state);
  });

  it('skips a request delivered twice in the batch, so money moves once', () => {
    const deposit = depositRequest(alice, 100);
    const result = decideBatch([openRequest(alice), deposit, deposit], initialState());
    expect(facts(result).map((fact) => fact.type)).toEqual(['AccountOpened', 'Deposited']);
    expect(result.duplicates).toEqual([deposit]);
    expect(result.state.get(alice)?.balance).toBe(100);
  });

  it('skips a credit republished by the outbox after an earlier batch decided it', () => {
    const setup = decideBatch(
      [openRequest(alice), depositRequest(alice, 100), transferRequest(alice, bob, 30), openRequest(bob)],
      initialState(),
    );
    const credit = facts(setup).flatMap(followUps)[0] as BankEvent;
    const first = decideBatch([credit], setup.state);
    expect(facts(first)[0]).toMatchObject({ type: 'TransferCredited', balanceAfter: 30 });
    const again = decideBatch([credit], first.state, { applied: new Set([credit.eventId]) });
    expect(again).toEqual({ steps: [], state: first.state, duplicates: [credit] });
  });

  it('decides a transfer whose credit was already decided on the destination partition', () => {
    const transfer = transferRequest(alice, bob, 30);
    const credit = creditRequest(bob, alice, 30, {
      transactionId: transfer.data.transactionId,
      transferEventId: transfer.eventId,
    });
    const source = decideBatch([openRequest(alice), depositRequest(alice, 100), transfer], initialState(), {
      applied: new Set([credit.eventId]),
    });
    expect(facts(source).map((fact) => fact.type)).toEqual(['AccountOpened', 'Deposited', 'TransferDebited']);
  });

  it('decides by the rules it is given: a lower balance limit rejects what the default accepts', () => {
    const batch = [openRequest(alice), depositRequest(alice, 5_000)];
    expect(kinds(decideBatch(batch, initialState()))[1]).toEqual(['Deposited', null]);
    expect(kinds(decideBatch(batch, initialState(), { rules: { balanceLimit: 1_000 } }))[1]).toEqual([
      'DepositRejected',
      'balance_limit_exceeded',
    ]);
  });
});

describe('decideBatch: requests whose commands were abandoned (answered 503)', () => {
  const mallory = { kind: 'customer', subject: 'mallory' } as const;

  it("rejects the owner's abandoned request as abandoned whatever the state: no balance moves", () => {
    const withdrawal = withdrawalRequest(alice, 60);
    const result = decideBatch([openRequest(alice), depositRequest(alice, 100), withdrawal], initialState(), {
      abandoned: new Set([withdrawal.data.transactionId]),
    });
    expect(kinds(result)).toEqual([
      ['AccountOpened', null],
      ['Deposited', null],
      ['WithdrawalRejected', 'abandoned'],
    ]);
    expect(facts(result)[2]).toMatchObject({ initiator: HOLDER.subject });
    expect(result.state.get(alice)).toMatchObject({ balance: 100, version: 3 });
  });

  it("keeps another customer's abandoned request forbidden, leaving the owner's account as it was", () => {
    const foreign = [
      withdrawalRequest(alice, 60, { principal: mallory }),
      transferRequest(alice, bob, 10, { principal: mallory }),
    ];
    const result = decideBatch([openRequest(alice), depositRequest(alice, 100), ...foreign], initialState(), {
      abandoned: new Set(foreign.map((request) => request.data.transactionId)),
    });
    expect(kinds(result).slice(2)).toEqual([
      ['WithdrawalRejected', 'forbidden'],
      ['TransferRejected', 'forbidden'],
    ]);
    expect(result.state.get(alice)).toMatchObject({ balance: 100, version: 2 });
  });
});

describe('evolveBatch: the rebuild fold', () => {
  it('gives, from the facts alone, the steps and state decideBatch gave', () => {
    const batch = [openRequest(alice), depositRequest(alice, 100), withdrawalRequest(alice, 500)];
    const decided = decideBatch(batch, initialState());
    expect(evolveBatch(facts(decided), initialState())).toEqual({ ...decided, duplicates: [] });
  });

  it('applies a fact published twice once, in the batch or across batches', () => {
    const [opened, deposited] = facts(
      decideBatch([openRequest(alice), depositRequest(alice, 100)], initialState()),
    );
    const once = evolveBatch([opened!, deposited!, deposited!], initialState());
    expect(once.state.get(alice)?.balance).toBe(100);
    expect(once.duplicates).toEqual([deposited]);
    const later = evolveBatch([deposited!], once.state, {
      applied: new Set([factId(deposited!.requestEventId, deposited!.type)]),
    });
    expect(later.steps).toEqual([]);
    expect(later.state.get(alice)?.balance).toBe(100);
  });
});

describe('the account decider, given/when/then', () => {
  const strict = deciderSpecification(createAccountDecider({ balanceLimit: 150 }));

  it('rejects a deposit past a lowered limit, and the state keeps the balance', () => {
    const [opened, deposited] = facts(
      decideBatch([openRequest(alice), depositRequest(alice, 100)], initialState()),
    );
    const deposit = depositRequest(alice, 60);
    const { state } = strict(opened!, deposited!).when(deposit).then({
      type: 'DepositRejected',
      requestEventId: deposit.eventId,
      transactionId: deposit.data.transactionId,
      accountId: alice,
      correlationId: deposit.metadata.correlationId,
      at: deposit.occurredAt,
      initiator: deposit.data.principal.subject,
      amount: 60,
      reason: 'balance_limit_exceeded',
    });
    expect(state.get(alice)).toMatchObject({ balance: 100, version: 3 });
  });
});
