import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeEvent } from '../../lib/events/codec.js';
import type { BankEvent } from '../../lib/events/types.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import type { DeadLetter, OutboxMessage } from '../../lib/projection/types.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { decodeFact } from '../../lib/facts/codec.js';
import { transferCreditEventId } from '../../lib/events/ids.js';
import { directRedis } from '../support/projection-snapshot.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, mskRecord, recordsOf } from '../support/msk-events.js';
import { testRedis } from '../support/redis.js';

const TOPIC = 'banku.account-commands';
const transactionCredit = (transfer: BankEvent) => transferCreditEventId(transfer.eventId);
const events = bankEvents();

describe('projecting batches into Redis', () => {
  let store: ProjectionStore;
  let cleanup: () => Promise<void>;
  const published: OutboxMessage[] = [];
  const facts: OutboxMessage[] = [];
  const deadLetters: DeadLetter[] = [];
  const live: ProjectorOptions = {
    publish: async (messages) => {
      for (const message of messages)
        if (message.topic === 'deadLetters') deadLetters.push(JSON.parse(message.value) as DeadLetter);
      published.push(...messages.filter((message) => message.topic === 'commands'));
      facts.push(...messages.filter((message) => message.topic === 'facts'));
    },
  };
  const direct = directRedis();
  const outboxIds = async (partition: number) =>
    (await direct.hvals(`${store.prefix}:ns:main:outbox:${partition}`)).map((json) => JSON.parse(json).id);

  // A projection of each test's own: each starts its partitions where it likes, as a fresh deployment.
  beforeEach(async () => {
    const redis = await testRedis('projector');
    store = new ProjectionStore(redis.redis, redis.prefix);
    cleanup = redis.cleanup;
  });
  afterEach(async () => {
    await cleanup();
  });
  afterAll(() => {
    direct.disconnect();
  });

  const project = (batch: BankEvent[], partition = 0, firstOffset = 0) =>
    handleMskEvent(mskEvent(recordsOf(TOPIC, partition, batch, firstOffset)), store, live);
  const balance = async (accountId: string) => (await store.getAccount('main', accountId))?.balance;

  it('reads only the accounts its container has not seen, and everything once another write reached the partition', async () => {
    const container: ProjectorOptions = { publish: live.publish };
    const projectHere = (batch: BankEvent[], firstOffset: number) =>
      handleMskEvent(mskEvent(recordsOf(TOPIC, 0, batch, firstOffset)), store, container);
    const seen = randomUUID();
    const unseen = randomUUID();
    await projectHere([events.open(seen), events.deposit(seen, 100)], 0);
    const reads = vi.spyOn(store, 'readBatchState');
    await projectHere([events.deposit(seen, 5), events.open(unseen)], 2);
    expect(reads.mock.calls.map(([request]) => request.accounts)).toEqual([[unseen]]);
    expect(await balance(seen)).toBe(105);

    // Another container writes the partition: what this one knows of `seen` is stale now.
    await handleMskEvent(mskEvent(recordsOf(TOPIC, 0, [events.deposit(seen, 10)], 4)), store, {
      publish: live.publish,
    });
    reads.mockClear();
    const third = randomUUID();
    await projectHere([events.withdraw(seen, 115), events.open(third)], 5);
    expect(reads.mock.calls.map(([request]) => [...request.accounts].sort())).toEqual([
      [third],
      [seen, third].sort(),
    ]);
    expect(await balance(seen)).toBe(0);
    reads.mockRestore();
  });

  it('applies opens, deposits and withdrawals in log order, once', async () => {
    const account = randomUUID();
    const batch = [events.open(account), events.deposit(account, 1_000), events.withdraw(account, 300)];
    const first = await project(batch);
    expect(first).toMatchObject({ records: 3, applied: 3, rejected: 0, duplicates: 0 });
    expect(await balance(account)).toBe(700);

    const redelivered = await project(batch);
    expect(redelivered).toMatchObject({ records: 3, applied: 0, duplicates: 3 });
    expect(await store.getAccount('main', account)).toMatchObject({ balance: 700, version: 3 });
  });

  it('publishes one fact per decision, keyed by the account, in decision order, and none for a redelivery', async () => {
    const account = randomUUID();
    const batch = [events.open(account), events.deposit(account, 80), events.withdraw(account, 100)];
    facts.length = 0;
    await project(batch, 1, 0);
    const read = facts.map((message) => ({ key: message.key, decoded: decodeFact(message.value) }));
    expect(
      read.map(({ key, decoded }) => [
        key,
        decoded.ok && decoded.fact.type,
        decoded.ok && decoded.fact.requestEventId,
      ]),
    ).toEqual([
      [account, 'AccountOpened', batch[0]!.eventId],
      [account, 'Deposited', batch[1]!.eventId],
      [account, 'WithdrawalRejected', batch[2]!.eventId],
    ]);
    expect(facts.map((message) => message.headers['event-type'])).toEqual([
      'AccountOpened',
      'Deposited',
      'WithdrawalRejected',
    ]);
    facts.length = 0;
    await project(batch, 1, 0);
    expect(facts).toEqual([]);
  });

  it('records an overdraft as rejected insufficient_funds and leaves the balance', async () => {
    const account = randomUUID();
    const withdrawal = events.withdraw(account, 501);
    await project([events.open(account), events.deposit(account, 500), withdrawal]);
    expect(await balance(account)).toBe(500);
    const tx = await store.getTransaction('main', withdrawal.data.transactionId);
    expect(tx).toMatchObject({ status: 'rejected', reason: 'insufficient_funds', type: 'withdrawal' });
    const history = await store.listHistory('main', account, { limit: 10 });
    expect(history.entries.map(({ entry }) => [entry.type, entry.applied, entry.balanceAfter])).toEqual([
      ['withdrawal', false, undefined],
      ['deposit', true, 500],
    ]);
  });

  it('dead-letters poison records and still applies the rest of the partition', async () => {
    const account = randomUUID();
    const open = events.open(account);
    const deposit = events.deposit(account, 42);
    const [openRecord, depositRecord] = recordsOf(TOPIC, 2, [open, deposit]);
    const poison = [
      mskRecord(TOPIC, 2, 1, account, '{not json'),
      mskRecord(TOPIC, 2, 2, account, JSON.stringify({ ...open, type: 'AccountClosed' })),
      mskRecord(TOPIC, 2, 3, account, JSON.stringify({ ...open, schemaVersion: 99 })),
      mskRecord(TOPIC, 2, 4, account, JSON.stringify({ ...deposit, data: { ...deposit.data, amount: -5 } })),
      mskRecord(TOPIC, 2, 5, account, null),
      mskRecord(TOPIC, 2, 6, randomUUID(), JSON.stringify(deposit)),
    ];
    const counts = await handleMskEvent(
      mskEvent([openRecord!, ...poison, { ...depositRecord!, offset: '7' }]),
      store,
      live,
    );
    expect(counts).toMatchObject({ records: 8, applied: 2, deadLettered: 6 });
    expect(await balance(account)).toBe(42);
    const letters = deadLetters.filter((letter) => letter.partition === 2);
    expect(letters.map((letter) => letter.offset).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(letters.find((letter) => letter.offset === '1')?.value).toBe(
      Buffer.from('{not json').toString('base64'),
    );
    const reasons = letters.map((letter) => letter.reason);
    expect(reasons.sort()).toEqual(
      [
        'empty_value',
        'key_mismatch',
        'malformed_json',
        'schema_violation',
        'unknown_type',
        'unsupported_schema_version',
      ].sort(),
    );
  });

  it('completes a transfer across partitions through the outbox, conserving money', async () => {
    const [source, destination] = [randomUUID(), randomUUID()];
    await project([events.open(source), events.deposit(source, 1_000)], 0, 0);
    await project([events.open(destination)], 1, 0);
    const transfer = events.transfer(source, destination, 400);
    published.length = 0;
    await project([transfer], 0, 2);

    expect(await balance(source)).toBe(600);
    expect((await store.getTransaction('main', transfer.data.transactionId))?.status).toBe('pending');
    expect(published).toHaveLength(1);
    const credit = decodeEvent(published[0]!.value);
    expect(credit.ok && credit.event).toMatchObject({
      type: 'TransferCreditRequested',
      accountId: destination,
    });
    expect(published[0]!.key).toBe(destination);
    // Published (the debit's fact and the credit request), and forgotten by the partition's next write
    // (no extra round trip for it).
    expect(await outboxIds(0)).toContain(published[0]!.id);
    published.length = 0;
    await project([events.deposit(source, 1)], 0, 3);
    expect(await outboxIds(0)).toHaveLength(1); // that deposit's own fact, until the next write
    expect(published).toEqual([]);

    const creditEvent = (credit.ok ? credit.event : undefined) as BankEvent;
    await project([creditEvent, creditEvent], 1, 1);
    expect(await balance(destination)).toBe(400);
    expect(await balance(source)).toBe(601);
    expect(await store.getTransaction('main', transfer.data.transactionId)).toMatchObject({
      status: 'applied',
      type: 'transfer',
      accountId: source,
      counterparty: destination,
      amount: 400,
    });
  });

  it('refunds a transfer to a missing account', async () => {
    const [source, missing] = [randomUUID(), randomUUID()];
    await project([events.open(source), events.deposit(source, 250)], 0, 0);
    published.length = 0;
    const transfer = events.transfer(source, missing, 250);
    await project([transfer], 0, 2);
    expect(await balance(source)).toBe(0);

    const credit = decodeEvent(published.shift()!.value);
    await project([(credit.ok ? credit.event : undefined) as BankEvent], 1, 0);
    expect(await store.getTransaction('main', transfer.data.transactionId)).toMatchObject({
      status: 'rejected',
      reason: 'account_not_found',
    });
    const refund = decodeEvent(published.shift()!.value);
    expect(refund.ok && refund.event.type).toBe('TransferRefundRequested');
    await project([(refund.ok ? refund.event : undefined) as BankEvent], 0, 3);
    expect(await balance(source)).toBe(250);
  });

  it('keeps the outbox when publishing fails, and publishes it on the retry', async () => {
    const [source, destination] = [randomUUID(), randomUUID()];
    await project([events.open(source), events.deposit(source, 90)], 0, 0);
    const transfer = events.transfer(source, destination, 90);
    const failing: ProjectorOptions = {
      publish: async () => {
        throw new Error('broker down');
      },
    };
    const batch = mskEvent(recordsOf(TOPIC, 0, [transfer], 2));
    await expect(handleMskEvent(batch, store, failing)).rejects.toThrow('broker down');
    // The debit is applied and its fact and credit wait in the outbox: a crash here loses nothing.
    expect(await balance(source)).toBe(0);
    const waiting = await outboxIds(0);
    expect(waiting).toHaveLength(4); // also the previous batch's two facts, which this container never saw acknowledged
    expect(waiting).toContain(transactionCredit(transfer));

    published.length = 0;
    const retried = await handleMskEvent(batch, store, live);
    expect(retried).toMatchObject({ duplicates: 1, applied: 0 });
    expect(published.map((message) => message.key)).toEqual([destination]);
    expect(await balance(source)).toBe(0);
    await project([events.deposit(source, 5)], 0, 3);
    expect(await outboxIds(0)).toHaveLength(1);
  });

  it('applies a batch exactly once when two invocations of it overlap', async () => {
    const account = randomUUID();
    await project([events.open(account)], 0, 0);
    const deposits = Array.from({ length: 20 }, () => events.deposit(account, 5));
    const batch = mskEvent(recordsOf(TOPIC, 0, deposits, 1));
    const results = await Promise.all([1, 2, 3].map(() => handleMskEvent(batch, store, live)));
    expect(results.reduce((sum, counts) => sum + counts.applied, 0)).toBe(20);
    expect(await balance(account)).toBe(100);
  });

  it('throws when Redis cannot be reached, so that the batch is retried', async () => {
    const unreachable = new ProjectionStore(
      await createRedisClient({
        UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
        UPSTASH_REDIS_REST_TOKEN: 'x',
      }),
      store.prefix,
    );
    const account = randomUUID();
    await expect(
      handleMskEvent(mskEvent(recordsOf(TOPIC, 0, [events.open(account)], 600)), unreachable, live),
    ).rejects.toThrow();
    expect(await store.getAccount('main', account)).toBeUndefined();
  });

  it('keeps Σ balances + in flight = deposited − withdrawn', async () => {
    const [source, destination] = [randomUUID(), randomUUID()];
    await project([events.open(source), events.deposit(source, 700), events.withdraw(source, 100)], 0);
    await project([events.open(destination)], 1);
    await project([events.transfer(source, destination, 250)], 0, 3); // its credit not yet applied: in flight
    const totals = await store.totals('main');
    expect(totals.inFlight).toBe(250);
    expect(totals.balances + totals.inFlight).toBe(totals.deposited - totals.withdrawn);
    expect(totals.deposited).toBeGreaterThan(0);
  });
});
