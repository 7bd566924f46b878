import { Redis as IORedis } from 'ioredis';
import LEDGER_SNAPSHOT_LUA from './ledger-snapshot.lua';

/** A direct Redis connection for reading what the projection holds, independent of the code under test. */
export function directRedis(): IORedis {
  return new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
}

/** The ledger as one instant of the projection shows it. */
export interface LedgerSnapshot {
  sumOfBalances: number;
  negativeBalances: number;
  accounts: number;
  deposited: number;
  withdrawn: number;
  inFlight: number;
  balancesTotal: number;
}

/** The ledger and the given accounts' balances, read in one atomic step. */
export async function ledgerSnapshot(
  redis: IORedis,
  namespaceRoot: string,
  accountIds: readonly string[] = [],
): Promise<LedgerSnapshot> {
  const keys = [`${namespaceRoot}:totals`, ...accountIds.map((id) => `${namespaceRoot}:acct:${id}`)];
  const reply = (await redis.eval(LEDGER_SNAPSHOT_LUA, keys.length, ...keys)) as (string | number)[];
  const [sum, negative, accounts, deposited, withdrawn, inFlight, balances] = reply.map(Number);
  return {
    sumOfBalances: sum ?? 0,
    negativeBalances: negative ?? 0,
    accounts: accounts ?? 0,
    deposited: deposited ?? 0,
    withdrawn: withdrawn ?? 0,
    inFlight: inFlight ?? 0,
    balancesTotal: balances ?? 0,
  };
}

/**
 * Everything a namespace holds, keyed by the key's path below the namespace root, in a form two
 * namespaces can be compared with: hashes as objects, sorted sets as [member, score] lists, sets sorted.
 * The outbox is left out: it is the live projector's to-do list, not state.
 */
export async function namespaceSnapshot(
  redis: IORedis,
  namespaceRoot: string,
): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespaceRoot}:*`, 'COUNT', '1000');
    cursor = next;
    for (const key of keys) {
      const name = key.slice(namespaceRoot.length + 1);
      if (name.startsWith('outbox')) continue;
      const type = await redis.type(key);
      if (type === 'hash') snapshot[name] = await redis.hgetall(key);
      else if (type === 'zset') snapshot[name] = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'set') snapshot[name] = (await redis.smembers(key)).sort();
      else snapshot[name] = await redis.get(key);
    }
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(snapshot).sort(([a], [b]) => a.localeCompare(b)));
}
