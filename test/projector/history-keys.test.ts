import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { BankEvent } from '../../lib/events/types.js';
import { HISTORY_ENTRIES_PER_KEY } from '../../lib/projection/keys.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, recordsOf } from '../support/msk-events.js';
import { directRedis } from '../support/projection-snapshot.js';
import { testRedis } from '../support/redis.js';

const events = bankEvents();

describe("an account's history past one key's share", () => {
  const direct = directRedis();
  afterAll(() => {
    direct.disconnect();
  });

  it('is split into keys of at most HISTORY_ENTRIES_PER_KEY entries, and pages read it as one, newest first', async () => {
    const redis = await testRedis('history-keys');
    const store = new ProjectionStore(redis.redis, redis.prefix);
    try {
      const account = randomUUID();
      const requests: BankEvent[] = [events.open(account)];
      const deposits = HISTORY_ENTRIES_PER_KEY + 20;
      for (let i = 0; i < deposits; i += 1) requests.push(events.deposit(account, 1));
      for (let from = 0; from < requests.length; from += 1_000) {
        const batch = requests.slice(from, from + 1_000);
        await handleMskEvent(mskEvent(recordsOf('banku.account-commands', 0, batch, from)), store, {
          publish: async () => undefined,
        });
      }
      const stored = await store.getAccount('main', account);
      expect(stored?.balance).toBe(deposits);

      const root = `${redis.prefix}:ns:main:hist:${account}`;
      const first = await direct.zcard(root);
      const second = await direct.zcard(`${root}:1`);
      expect(first).toBeLessThanOrEqual(HISTORY_ENTRIES_PER_KEY);
      expect(second).toBeGreaterThan(0);
      expect(await direct.exists(`${root}:2`)).toBe(0);

      const seqs: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await store.listHistory('main', account, {
          limit: 777,
          ...(before === undefined ? {} : { before }),
        });
        seqs.push(...page.entries.map(({ entry }) => entry.seq));
        if (!page.more) break;
        before = page.entries[page.entries.length - 1]?.entry.seq;
      }
      expect(seqs).toHaveLength(first + second);
      expect(seqs[0]).toBe(stored?.version);
      expect(seqs.every((seq, i) => i === 0 || seq === (seqs[i - 1] ?? 0) - 1)).toBe(true);
    } finally {
      await redis.cleanup();
    }
  }, 120_000);
});
