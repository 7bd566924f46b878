/**
 * The naive projector — "the seed tutorial's way". It exists ONLY as the benchmark's baseline, to show
 * what batching buys; nothing ships it and nothing should.
 *
 * One event at a time, each a read and a write through the Upstash REST client: HGETALL the account,
 * decide with the same pure decider, HSET the account. It records only the account hash: no history,
 * no transaction status, no dedupe, no ledger, no outbox, and nothing is atomic, so a crash between
 * two events loses or repeats them. It does less work per event than the real projector, which makes
 * the measured speed-up a conservative one.
 */
import type { Redis } from '@upstash/redis';
import { decide } from '../../lib/domain/decide.js';
import { evolve } from '../../lib/domain/evolve.js';
import type { Account } from '../../lib/domain/types.js';
import type { BankEvent } from '../../lib/events/types.js';
import { toAccount } from '../../lib/projection/batch-scripts.js';

/**
 * Applies events one by one, in order, with one read and (when the account changed) one write each.
 * Returns the number of Redis round trips it made.
 *
 * @example
 * ```ts
 * const roundTrips = await projectNaively(redis, 'bench:naive', partitionEvents);
 * ```
 */
export async function projectNaively(
  redis: Redis,
  prefix: string,
  events: readonly BankEvent[],
): Promise<number> {
  let roundTrips = 0;
  for (const event of events) {
    const key = naiveAccountKey(prefix, event.accountId);
    const before = toNaiveAccount(event.accountId, await redis.hgetall(key));
    roundTrips += 1;
    let state: ReadonlyMap<string, Account> = new Map(before ? [[before.accountId, before]] : []);
    for (const outcome of decide(event, state)) state = evolve(state, outcome);
    const after = state.get(event.accountId);
    if (after && after !== before) {
      await redis.hset(key, {
        owner: after.owner,
        name: after.name,
        currency: after.currency,
        balance: String(after.balance),
        version: String(after.version),
        openedAt: after.openedAt,
        updatedAt: after.updatedAt,
      });
      roundTrips += 1;
    }
  }
  return roundTrips;
}

/**
 * Where the baseline keeps an account: a hash of its own, under its own prefix.
 *
 * @example
 * ```ts
 * await direct.hget(naiveAccountKey('bench:naive', accountId), 'balance');
 * ```
 */
export function naiveAccountKey(prefix: string, accountId: string): string {
  return `${prefix}:acct:${accountId}`;
}

/** HGETALL without automatic deserialisation answers a flat array (or null / an object). */
function toNaiveAccount(accountId: string, reply: unknown): Account | undefined {
  if (reply == null) return undefined;
  let fields: Record<string, unknown>;
  if (Array.isArray(reply)) {
    if (reply.length === 0) return undefined;
    fields = {};
    for (let i = 0; i < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  } else {
    fields = reply as Record<string, unknown>;
    if (Object.keys(fields).length === 0) return undefined;
  }
  return toAccount(accountId, fields);
}
