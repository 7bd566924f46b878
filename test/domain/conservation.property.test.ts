import { beforeAll, describe, expect, it } from 'vitest';
import { decideBatch, evolveBatch } from '../../lib/domain/batch.js';
import { ledgerDelta } from '../../lib/domain/ledger.js';
import { isForbidden } from '../../lib/domain/ownership.js';
import { followUps } from '../../lib/domain/saga.js';
import { accountsState } from '../../lib/domain/state.js';
import { transactionStatus } from '../../lib/domain/transaction-status.js';
import type { AccountsState, Outcome, TransactionStatus } from '../../lib/domain/types.js';
import { decodeEvent, encodeEvent } from '../../lib/events/codec.js';
import { createEvent } from '../../lib/events/create-event.js';
import { factId } from '../../lib/events/ids.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../../lib/events/primitives.js';
import type { BankEvent } from '../../lib/events/types.js';
import { HOLDER, id } from './fixtures.js';

// Most requests come from the accounts' holder; some from another customer or an operator, who may not
// move the holder's money (`forbidden`), whatever else is true of the request.
const INTRUDER = { kind: 'customer', subject: 'intruder' } as const;
const OPERATOR = { kind: 'operator', subject: 'support' } as const;

// A simulated deployment: HTTP functions append requests to a partitioned log, the projector decides per-partition
// batches in a random interleaving with the production fold (decideBatch), and its outbox publishes the saga
// follow-ups late, out of order and sometimes twice. Every message goes through encodeEvent/decodeEvent like the
// real thing.

const SEED = 20_250_131;
const PARTITIONS = 6;
const REQUESTS = 5_000;
const NORMAL_ACCOUNTS = 35;
const GHOST_ACCOUNTS = 4; // referenced but never opened
const T0 = Date.UTC(2025, 0, 1);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const partitionOf = (accountId: string) => Number.parseInt(accountId.slice(0, 8), 16) % PARTITIONS;

// A whale account near the balance limit exercises balance_limit_exceeded for deposits, credits and refunds.
const whale = id('whale');
const normal = Array.from({ length: NORMAL_ACCOUNTS }, (_, i) => id(`account-${i}`));
const ghosts = Array.from({ length: GHOST_ACCOUNTS }, (_, i) => id(`ghost-${i}`));
const pool = [whale, ...normal, ...ghosts];
const currencyOf = (i: number) => (i % 5 === 0 ? 'USD' : i % 7 === 0 ? 'GBP' : 'EUR');
const WHALE_START = MAX_BALANCE - 3 * MAX_AMOUNT;
const initialState = (): AccountsState =>
  accountsState([
    {
      accountId: whale,
      owner: HOLDER.subject,
      name: 'Whale',
      currency: 'EUR',
      balance: WHALE_START,
      version: 7,
      openedAt: '2024-12-01T00:00:00.000Z',
      updatedAt: '2024-12-31T00:00:00.000Z',
    },
  ]);

/** How the simulated projector remembers what it decided between batches. */
interface ProjectorSetup {
  /**
   * Pass the request ids decided in earlier batches to the fold, as the projector does from Redis. Off, the
   * fold still dedupes within a batch but not across batches: what a projector that lost its dedupe would do.
   */
  readonly rememberDecided: boolean;
}

/** The projection's view, with the conservation totals in bigint (they pass 2^53 once the whale is counted). */
class Projection {
  state: AccountsState = initialState();
  deposited = BigInt(WHALE_START);
  withdrawn = 0n;
  inFlight = 0n;
  readonly statuses = new Map<string, TransactionStatus>();
  readonly decided = new Set<string>();
  /** Per transaction, its ledger movements so far: each is 0 or the transaction's amount, never more. */
  readonly moved = new Map<
    string,
    { deposited: bigint; withdrawn: bigint; inFlight: bigint; amount: bigint }
  >();
  readonly outcomesByPartition: Outcome[][] = Array.from({ length: PARTITIONS }, () => []);
  duplicates = 0;
  checkedSteps = 0;

  constructor(readonly setup: ProjectorSetup = { rememberDecided: true }) {}

  /** Decides one batch of one partition, checking the invariants after every single fact. */
  process(partition: number, messages: readonly string[]): BankEvent[] {
    const requests = messages.map((message) => {
      const decoded = decodeEvent(Buffer.from(message));
      if (!decoded.ok) throw new Error(`undecodable message on the log: ${decoded.message}`);
      return decoded.event;
    });
    const result = decideBatch(requests, this.state, {
      applied: this.setup.rememberDecided ? this.decided : new Set(),
    });
    const facts = result.steps.map((step) => step.fact);
    for (const fact of facts) this.decided.add(fact.requestEventId);

    // The facts alone, folded by the rebuild's fold, give the same state step by step.
    const replayed = evolveBatch(facts, this.state);
    expect(replayed.steps).toEqual(result.steps);
    for (const { fact, account } of result.steps) {
      const before = this.state.get(fact.accountId);
      // Every fact on an account counts in its version, but a forbidden one: that was never the account's.
      const expectedVersion = before
        ? before.version + (isForbidden(fact) ? 0 : 1)
        : fact.type === 'AccountOpened'
          ? 1
          : undefined;
      if (account?.version !== expectedVersion) throw new Error(`version not counted for ${fact.type}`);
      if (account) this.state = new Map([...this.state, [fact.accountId, account]]);
      const delta = ledgerDelta(fact);
      this.deposited += BigInt(delta.deposited);
      this.withdrawn += BigInt(delta.withdrawn);
      this.inFlight += BigInt(delta.inFlight);
      this.checkMovedOnce(fact, delta);
      this.checkInvariants(fact);
      // Later stages win, as the projection store keeps it where both partitions meet.
      const status = transactionStatus(fact);
      const stored = this.statuses.get(status.transactionId);
      if (!stored || status.stage > stored.stage) this.statuses.set(status.transactionId, status);
      this.outcomesByPartition[partition]?.push(fact);
    }
    expect(this.state).toEqual(result.state);
    this.duplicates += result.duplicates.length;
    return facts.flatMap(followUps);
  }

  /** Exactly once, in ledger terms: no transaction moves its amount into or out of a bucket twice. */
  private checkMovedOnce(fact: Outcome, delta: ReturnType<typeof ledgerDelta>): void {
    if (!('amount' in fact)) return;
    const moved = this.moved.get(fact.transactionId) ?? {
      deposited: 0n,
      withdrawn: 0n,
      inFlight: 0n,
      amount: BigInt(fact.amount),
    };
    moved.deposited += BigInt(delta.deposited);
    moved.withdrawn += BigInt(delta.withdrawn);
    moved.inFlight += BigInt(delta.inFlight);
    this.moved.set(fact.transactionId, moved);
    for (const bucket of ['deposited', 'withdrawn', 'inFlight'] as const) {
      if (moved[bucket] !== 0n && moved[bucket] !== moved.amount) {
        throw new Error(
          `transaction ${fact.transactionId} moved ${moved[bucket]} ${bucket}, not 0 or ${moved.amount}`,
        );
      }
    }
  }

  private checkInvariants(fact: Outcome): void {
    let balances = 0n;
    for (const account of this.state.values()) {
      if (!Number.isSafeInteger(account.balance) || account.balance < 0 || account.balance > MAX_BALANCE) {
        throw new Error(`balance out of range after ${fact.type}: ${account.balance}`);
      }
      balances += BigInt(account.balance);
    }
    if (this.inFlight < 0n) throw new Error(`in flight went negative after ${fact.type}: ${this.inFlight}`);
    if (balances + this.inFlight !== this.deposited - this.withdrawn) {
      throw new Error(
        `conservation broken after ${fact.type}: ${balances} + ${this.inFlight} != ${this.deposited} - ${this.withdrawn}`,
      );
    }
    this.checkedSteps += 1;
  }
}

interface Workload {
  readonly log: string[][];
  readonly projection: Projection;
  readonly httpRequests: number;
}

function runWorkload(seed: number, setup?: ProjectorSetup): Workload {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const log: string[][] = Array.from({ length: PARTITIONS }, () => []);
  const cursors = new Array<number>(PARTITIONS).fill(0);
  const projection = new Projection(setup);
  let outbox: BankEvent[] = [];
  let sequence = 0;

  const publish = (event: BankEvent) => log[partitionOf(event.accountId)]?.push(encodeEvent(event));
  const amount = (accountId?: string) => {
    const r = random();
    // The whale moves the largest amounts, so it keeps hitting the limit (and refunds to it can fail).
    if (accountId === whale && r < 0.5) return MAX_AMOUNT;
    if (r < 0.03) return MAX_AMOUNT;
    if (r < 0.1) return 1 + Math.floor(random() * 1_000_000);
    return 1 + Math.floor(random() * 20_000);
  };
  const principal = () => {
    const r = random();
    return r < 0.04 ? INTRUDER : r < 0.06 ? OPERATOR : HOLDER;
  };
  const request = (accountId: string, make: () => Pick<BankEvent, 'type' | 'data'>): BankEvent => {
    sequence += 1;
    const { type, data } = make();
    return createEvent({
      eventId: id(`event-${seed}-${sequence}`),
      type,
      accountId,
      occurredAt: new Date(T0 + sequence * 1000).toISOString(),
      data,
      metadata: { correlationId: `req-${sequence}`, causationId: null, idempotencyKey: null },
    } as Parameters<typeof createEvent>[0]);
  };
  const tx = () => id(`tx-${seed}-${sequence + 1}`);

  // Opens first (in random order), then a random mix; processing and outbox flushes interleave from the start.
  const opens = normal
    .map((accountId, i) => ({ accountId, currency: currencyOf(i) }))
    .sort(() => random() - 0.5);
  const generate = (): BankEvent => {
    const open = opens.shift();
    if (open) {
      return request(open.accountId, () => ({
        type: 'AccountOpenRequested',
        data: { transactionId: tx(), name: `Holder ${sequence}`, currency: open.currency, principal: HOLDER },
      }));
    }
    const r = random();
    const account = random() < 0.08 ? whale : pick(pool);
    if (account === whale && r < 0.5) {
      // Deposits as often as transfers out keep the whale pressed against the limit, so a refund can find it full.
      return request(whale, () => ({
        type: 'DepositRequested',
        data: { transactionId: tx(), amount: MAX_AMOUNT, principal: principal() },
      }));
    }
    if (r < 0.02) {
      return request(pick(normal), () => ({
        type: 'AccountOpenRequested',
        data: { transactionId: tx(), name: 'Again', currency: 'EUR', principal: principal() },
      }));
    }
    if (r < 0.3) {
      return request(account, () => ({
        type: 'DepositRequested',
        data: { transactionId: tx(), amount: amount(account), principal: principal() },
      }));
    }
    if (r < 0.48) {
      return request(account, () => ({
        type: 'WithdrawalRequested',
        data: { transactionId: tx(), amount: amount(account), principal: principal() },
      }));
    }
    const to = random() < 0.03 ? account : random() < 0.1 ? whale : pick(pool);
    return request(account, () => ({
      type: 'TransferRequested',
      data: { transactionId: tx(), toAccountId: to, amount: amount(account), principal: principal() },
    }));
  };

  let generated = 0;
  const sent: BankEvent[] = [];
  for (;;) {
    const backlog = [...cursors.keys()].filter((p) => (cursors[p] ?? 0) < (log[p]?.length ?? 0));
    if (generated >= REQUESTS && backlog.length === 0 && outbox.length === 0) break;
    const r = random();
    if (generated < REQUESTS && r < 0.5) {
      const event = generate();
      generated += 1;
      publish(event);
      sent.push(event);
      if (random() < 0.03) publish(pick(sent)); // an HTTP retry re-publishing an earlier request
    } else if (r < 0.85 && backlog.length > 0) {
      const partition = pick(backlog);
      const start = cursors[partition] ?? 0;
      const batch = (log[partition] ?? []).slice(start, start + 1 + Math.floor(random() * 25));
      cursors[partition] = start + batch.length;
      outbox.push(...projection.process(partition, batch));
    } else if (outbox.length > 0) {
      const kept: BankEvent[] = [];
      for (const event of [...outbox].sort(() => random() - 0.5)) {
        if (random() < 0.5) {
          publish(event);
          if (random() < 0.05) kept.push(event); // at-least-once: published again later
        } else {
          kept.push(event);
        }
      }
      outbox = kept;
    }
  }
  return { log, projection, httpRequests: generated };
}

/**
 * Rebuilds the view from the facts alone, as `npm run rebuild` does: each partition's facts in order (every
 * tenth published twice, as an outbox retry would), partitions interleaved as `seed` chooses, folded with the
 * rebuild's fold, which never decides.
 */
function rebuildFromFacts(factsByPartition: readonly Outcome[][], seed: number | 'sequential') {
  const random = typeof seed === 'number' ? mulberry32(seed) : () => 0;
  const logs = factsByPartition.map((facts) =>
    facts.flatMap((fact, i) => (i % 10 === 3 ? [fact, fact] : [fact])),
  );
  const applied = new Set<string>();
  let state = initialState();
  const statuses = new Map<string, TransactionStatus>();
  const totals = { deposited: BigInt(WHALE_START), withdrawn: 0n, inFlight: 0n };
  const cursors = new Array<number>(PARTITIONS).fill(0);
  for (;;) {
    const backlog = [...cursors.keys()].filter((p) => (cursors[p] ?? 0) < (logs[p]?.length ?? 0));
    if (backlog.length === 0) break;
    const partition = backlog[Math.floor(random() * backlog.length)] ?? 0;
    const start = cursors[partition] ?? 0;
    const size = seed === 'sequential' ? Number.POSITIVE_INFINITY : 1 + Math.floor(random() * 60);
    const batch = (logs[partition] ?? []).slice(start, start + size);
    cursors[partition] = start + batch.length;
    const result = evolveBatch(batch, state, { applied });
    state = result.state;
    for (const { fact } of result.steps) {
      applied.add(factId(fact.requestEventId, fact.type));
      const delta = ledgerDelta(fact);
      totals.deposited += BigInt(delta.deposited);
      totals.withdrawn += BigInt(delta.withdrawn);
      totals.inFlight += BigInt(delta.inFlight);
      const status = transactionStatus(fact);
      const stored = statuses.get(status.transactionId);
      if (!stored || status.stage > stored.stage) statuses.set(status.transactionId, status);
    }
  }
  return { state, statuses, totals: [totals.deposited, totals.withdrawn, totals.inFlight] };
}

describe('conservation under a random workload (seeded)', () => {
  // Run once for the whole file; an invariant broken at any step throws here and fails every test below.
  let log: string[][];
  let projection: Projection;
  let httpRequests: number;
  let outcomes: Outcome[];
  beforeAll(() => {
    ({ log, projection, httpRequests } = runWorkload(SEED));
    outcomes = projection.outcomesByPartition.flat();
  });
  const count = (type: Outcome['type']) => outcomes.filter((outcome) => outcome.type === type).length;

  it('ran thousands of requests through every outcome and reason', () => {
    expect(httpRequests).toBe(REQUESTS);
    expect(log.flat().length).toBeGreaterThan(REQUESTS);
    expect(projection.checkedSteps).toBe(outcomes.length);
    const types = new Set(outcomes.map((outcome) => outcome.type));
    expect([...types].sort()).toEqual(
      [
        'AccountOpened',
        'AccountOpenRejected',
        'Deposited',
        'DepositRejected',
        'Withdrawn',
        'WithdrawalRejected',
        'TransferDebited',
        'TransferRejected',
        'TransferCredited',
        'TransferCreditRejected',
        'TransferRefunded',
        'TransferRefundRejected',
      ].sort(),
    );
    const reasons = new Set(outcomes.flatMap((outcome) => ('reason' in outcome ? [outcome.reason] : [])));
    expect([...reasons].sort()).toEqual([
      'account_already_exists',
      'account_not_found',
      'balance_limit_exceeded',
      'currency_mismatch',
      'forbidden',
      'insufficient_funds',
      'invalid_transfer',
    ]);
    expect(projection.duplicates).toBeGreaterThan(0);
  });

  it('moved money both ways between the same accounts', () => {
    const pairs = new Set(
      outcomes.flatMap((outcome) =>
        outcome.type === 'TransferCredited' ? [`${outcome.counterpartyAccountId}>${outcome.accountId}`] : [],
      ),
    );
    const both = [...pairs].filter((pair) => pairs.has(pair.split('>').reverse().join('>')));
    expect(both.length).toBeGreaterThan(0);
  });

  it('settled every debit exactly once and refunded every refused credit exactly once, despite redelivery', () => {
    expect(count('TransferCredited') + count('TransferCreditRejected')).toBe(count('TransferDebited'));
    expect(count('TransferRefunded') + count('TransferRefundRejected')).toBe(count('TransferCreditRejected'));
    const transfers = [...projection.statuses.values()].filter((status) => status.kind === 'transfer');
    expect(transfers.filter((status) => status.status === 'pending' || status.refund === 'pending')).toEqual(
      [],
    );
  });

  it('ends with only the failed refunds still in flight, and balances + in-flight = deposited − withdrawn', () => {
    const stuck = outcomes.reduce(
      (sum, outcome) => (outcome.type === 'TransferRefundRejected' ? sum + BigInt(outcome.amount) : sum),
      0n,
    );
    expect(projection.inFlight).toBe(stuck);
    const balances = [...projection.state.values()].reduce(
      (sum, account) => sum + BigInt(account.balance),
      0n,
    );
    expect(balances + projection.inFlight).toBe(projection.deposited - projection.withdrawn);
  });

  it('rebuilds the identical view from the facts alone, in any partition interleaving, twice', () => {
    const expected = {
      state: projection.state,
      statuses: projection.statuses,
      totals: [projection.deposited, projection.withdrawn, projection.inFlight],
    };
    const facts = projection.outcomesByPartition;
    expect(rebuildFromFacts(facts, 1)).toEqual(expected);
    expect(rebuildFromFacts(facts, 1)).toEqual(rebuildFromFacts(facts, 1));
    expect(rebuildFromFacts(facts, 99)).toEqual(expected);
    expect(rebuildFromFacts(facts, 'sequential')).toEqual(expected);
  });

  it('fails when the fold forgets what earlier batches decided (the property can catch a broken dedupe)', () => {
    expect(() => runWorkload(SEED, { rememberDecided: false })).toThrow(/moved|in flight went negative/);
  });

  it('a different seed gives a different workload that also holds (the run is not fixed to one seed)', () => {
    const other = runWorkload(SEED + 1);
    expect(other.projection.checkedSteps).toBeGreaterThan(REQUESTS);
    expect(other.projection.state).not.toEqual(projection.state);
  });
});
