import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { createRedisClient } from '../../lib/redis/client.js';
import WIPE_PREFIX_LUA from './wipe-prefix.lua';

/**
 * A Redis key prefix of the test's own, a real Upstash client through the local endpoint, and a
 * cleanup that deletes every key under the prefix (directly on Redis, by SCAN).
 */
export async function testRedis(
  label: string,
): Promise<{ prefix: string; redis: Redis; cleanup(): Promise<void> }> {
  const prefix = `test:${label}:${randomUUID().slice(0, 8)}`;
  const redis = await createRedisClient(process.env);
  return {
    prefix,
    redis,
    cleanup: async () => {
      const direct = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
      await direct.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await direct.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', '1000');
          cursor = next;
          if (keys.length > 0) await direct.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        direct.disconnect();
      }
    },
  };
}

/** Deletes every key under `prefix` at once (see wipe-prefix.lua); returns how many there were. */
export async function wipePrefix(direct: IORedis, prefix: string): Promise<number> {
  return Number(await direct.eval(WIPE_PREFIX_LUA, 0, `${prefix}:*`));
}
