import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandAdmissions, type PendingTransaction } from '../../lib/commands/admission.js';
import { TRANSACTION_FATE, transactionFateKey } from '../../lib/projection/keys.js';
import { HOLDER } from '../support/bank-events.js';
import { testRedis } from '../support/redis.js';

describe('command admission (Idempotency-Key claims and pending markers, in real Redis)', () => {
  let admissions: CommandAdmissions;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const redis = await testRedis('admission');
    cleanup = redis.cleanup;
    admissions = new CommandAdmissions(redis.redis, redis.prefix);
  });
  afterAll(async () => cleanup());

  const pending = (): PendingTransaction => ({
    transactionId: randomUUID(),
    type: 'deposit',
    accountId: randomUUID(),
    initiator: HOLDER.subject,
    at: '2026-11-22T10:00:00.000Z',
  });

  it('admits a command without a key and leaves it pending', async () => {
    const transaction = pending();
    await expect(
      admissions.admit({ idempotencyKey: null, fingerprint: 'f', pending: transaction }),
    ).resolves.toBe('new');
    await expect(admissions.pending(transaction.transactionId)).resolves.toEqual(transaction);
  });

  it('tells a first request, its retries and another request with the same key apart', async () => {
    const key = randomUUID();
    const first = pending();
    const other = pending();
    expect(await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: first })).toBe('new');
    expect(await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: first })).toBe('replay');
    expect(await admissions.admit({ idempotencyKey: key, fingerprint: 'b', pending: other })).toBe(
      'conflict',
    );
    await expect(admissions.pending(first.transactionId)).resolves.toEqual(first);
    // Refused with 409: nothing is written for the other request.
    await expect(admissions.pending(other.transactionId)).resolves.toBeUndefined();
  });

  it('lets concurrent copies of one keyed request agree: one is new, the others replays', async () => {
    const key = randomUUID();
    const transaction = pending();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: transaction }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'new')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'replay')).toHaveLength(5);
    await expect(admissions.pending(transaction.transactionId)).resolves.toEqual(transaction);
  });

  it('writes the pending marker on the retry when an attempt stopped after claiming the key', async () => {
    const key = randomUUID();
    const transaction = pending();
    // What an attempt leaves when Redis fails between its two writes: the claim, no marker (it answered 503).
    await admissions.redis.set(
      admissions.idempotencyKeyName(HOLDER.subject, key),
      JSON.stringify({ fingerprint: 'a', transactionId: transaction.transactionId }),
    );
    await expect(admissions.pending(transaction.transactionId)).resolves.toBeUndefined();
    expect(await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: transaction })).toBe(
      'replay',
    );
    await expect(admissions.pending(transaction.transactionId)).resolves.toEqual(transaction);
  });

  it('keeps the first attempt’s pending marker when a retry comes later', async () => {
    const key = randomUUID();
    const transaction = pending();
    await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: transaction });
    const retried = { ...transaction, at: '2026-11-22T10:00:05.000Z' };
    await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: retried });
    await expect(admissions.pending(transaction.transactionId)).resolves.toEqual(transaction);
  });

  it('keeps an abandoned transaction pending to readers, and lets a retry with its key lift the mark', async () => {
    const key = randomUUID();
    const transaction = pending();
    const abandoned = async () =>
      String(
        await admissions.redis.get(transactionFateKey(admissions.prefix, transaction.transactionId)),
      ).startsWith(TRANSACTION_FATE.abandonedPrefix);
    await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: transaction });
    expect(await admissions.abandon(transaction.transactionId)).toBe('abandoned');
    expect(await abandoned()).toBe(true);
    await expect(admissions.pending(transaction.transactionId)).resolves.toEqual(transaction);

    const retried = { ...transaction, at: '2026-11-22T10:00:05.000Z' };
    expect(await admissions.admit({ idempotencyKey: key, fingerprint: 'a', pending: retried })).toBe(
      'replay',
    );
    expect(await abandoned()).toBe(false);
    await expect(admissions.pending(transaction.transactionId)).resolves.toEqual(transaction);
  });
});
