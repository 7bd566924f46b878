import type { Redis as IORedis } from 'ioredis';
import type { CommandStat } from './redis-stats.js';

/**
 * Upstash's pay-as-you-go price and limit (https://upstash.com/pricing/redis): every command is billed,
 * each command a script runs included (Upstash counts `EVAL` + `INCR` + `PEXPIRE` as 3), and one
 * database serves at most 10,000 commands per second.
 */
export const UPSTASH_PAY_AS_YOU_GO = { dollarsPer100kCommands: 0.2, commandsPerSecond: 10_000 } as const;

// What the bench itself sends to its Redis to measure (never billed work of the service).
const MEASURING = /^(info|config|slowlog|memory|scan|client|hello|ping|select|dbsize|command)(\||$)/;

/**
 * The commands Upstash would bill between two `INFO commandstats` snapshots: every call, including
 * those run inside a script (Redis counts those too), except what the bench sends to measure.
 *
 * @example
 * ```ts
 * const billed = upstashCommands(before, await commandStats(direct)); // { total: 12_210, byCommand: { hset: 4_300, … } }
 * ```
 */
export function upstashCommands(
  before: Map<string, CommandStat>,
  after: Map<string, CommandStat>,
): { total: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, now] of after) {
    if (MEASURING.test(command)) continue;
    const calls = now.calls - (before.get(command)?.calls ?? 0);
    if (calls <= 0) continue;
    byCommand[command] = calls;
    total += calls;
  }
  return { total, byCommand };
}

/**
 * What `commands` billed commands cost at pay-as-you-go per million operations, and how many such
 * operations one database sustains per second.
 *
 * @example
 * ```ts
 * upstashPrice(8.1); // { dollarsPerMillion: 16.2, maxPerSecond: 1235 }
 * ```
 */
export function upstashPrice(commands: number): { dollarsPerMillion: number; maxPerSecond: number } {
  return {
    dollarsPerMillion: Math.round(commands * 1e6 * UPSTASH_PAY_AS_YOU_GO.dollarsPer100kCommands) / 1e5,
    maxPerSecond: Math.floor(UPSTASH_PAY_AS_YOU_GO.commandsPerSecond / commands),
  };
}

/**
 * Bytes Redis holds for every key matching `pattern` (`MEMORY USAGE`, all samples): what a run left
 * stored, counted key by key so that allocator noise and other prefixes do not blur it.
 *
 * @example
 * ```ts
 * const bytes = await storedBytes(direct, 'bench:1234:b100:*');
 * ```
 */
export async function storedBytes(redis: IORedis, pattern: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
    for (const [error, usage] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      bytes += Number(usage ?? 0);
    }
    keys += batch.length;
  } while (cursor !== '0');
  return { keys, bytes };
}

/**
 * Counts the HTTP requests this process makes with `fetch` (what `@upstash/redis` uses), by path:
 * `/` is one command or script, `/pipeline` several merged into one request.
 *
 * @example
 * ```ts
 * const requests = countFetches();
 * await run();
 * requests.take(); // { '/': 214 }
 * ```
 */
export function countFetches(): { take(): Record<string, number> } {
  const original = globalThis.fetch;
  let counts: Record<string, number> = {};
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = new URL(url).pathname;
    counts[path] = (counts[path] ?? 0) + 1;
    return original(input, init);
  };
  return {
    take() {
      const taken = counts;
      counts = {};
      return taken;
    },
  };
}
