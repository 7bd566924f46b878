import type { Redis } from '@upstash/redis';

/**
 * Deletes every key under `prefix:` (SCAN + UNLINK, in pages). `npm run dev` starts the embedded
 * broker with an empty log, so it must start with an empty projection too: a projection ahead of its
 * log would answer balances for events that no longer exist.
 *
 * @example
 * ```ts
 * const deleted = await wipePrefix(redis, 'banku');
 * ```
 */
export async function wipePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = (await redis.scan(cursor, { match: `${prefix}:*`, count: 1000 })) as [
      string | number,
      string[],
    ];
    cursor = String(next);
    if (keys.length > 0) deleted += Number(await redis.unlink(...keys));
  } while (cursor !== '0');
  return deleted;
}
