import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BankEvent } from '../../lib/events/types.js';
import { ProjectionLayoutError } from '../../lib/projection/errors.js';
import { namespaceRoot, PROJECTION_FIELDS, PROJECTION_LAYOUT } from '../../lib/projection/keys.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, recordsOf } from '../support/msk-events.js';
import { directRedis, namespaceSnapshot } from '../support/projection-snapshot.js';
import { testRedis } from '../support/redis.js';

const TOPIC = 'banku.account-commands';
const events = bankEvents();
const AT = '2026-01-01T00:00:00.000Z';

describe('a projection namespace written in another layout', () => {
  let store: ProjectionStore;
  let cleanup: () => Promise<void>;
  let root: string;
  const direct = directRedis();

  beforeEach(async () => {
    const redis = await testRedis('layout');
    store = new ProjectionStore(redis.redis, redis.prefix);
    cleanup = redis.cleanup;
    root = namespaceRoot(redis.prefix, 'main');
  });
  afterEach(async () => cleanup());
  afterAll(() => direct.disconnect());

  /** One projector container: it keeps what it wrote between batches, as a warm Lambda does. */
  const container = (): ((batch: BankEvent[], firstOffset: number) => Promise<unknown>) => {
    const options: ProjectorOptions = { publish: async () => {} };
    return (batch, firstOffset) =>
      handleMskEvent(mskEvent(recordsOf(TOPIC, 0, batch, firstOffset)), store, options);
  };

  it('is refused before anything is read or written, with what to do', async () => {
    const accountId = randomUUID();
    // What a release from before layout stamps left: the account as a hash, a checkpoint without a stamp.
    const fields = {
      name: 'Ada',
      currency: 'EUR',
      balance: '500',
      version: '1',
      openedAt: AT,
      updatedAt: AT,
    };
    await direct.hset(`${root}:acct:${accountId}`, fields);
    await direct.hset(`${root}:checkpoint`, { 'facts:0': '1', 'commands:0': '0' });
    const before = await namespaceSnapshot(direct, root);

    const refusal = await container()([events.deposit(accountId, 100)], 1).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProjectionLayoutError);
    expect((refusal as Error).message).toMatch(/before layouts were stamped.*Rebuild the projection/);
    // Not decided against a balance it cannot read: no deposit rejected for a missing account.
    expect(await namespaceSnapshot(direct, root)).toEqual(before);
  });

  it('is stamped by its first write, and refused by a warm container once stamped otherwise', async () => {
    const accountId = randomUUID();
    const project = container();
    await project([events.open(accountId), events.deposit(accountId, 100)], 0);
    expect(await direct.hget(`${root}:checkpoint`, PROJECTION_FIELDS.layout)).toBe(PROJECTION_LAYOUT);

    // A later release wrote the namespace: this container decides from what it knows, and its write is refused.
    await direct.hset(`${root}:checkpoint`, PROJECTION_FIELDS.layout, '99');
    await expect(project([events.deposit(accountId, 5)], 2)).rejects.toThrow(/written in layout 99/);
    expect((await store.getAccount('main', accountId))?.balance).toBe(100);
  });
});
