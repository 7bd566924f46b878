import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisNotAvailableError,
  RedisStartError,
  RedisUnreachableError,
} from '../localstack/redis/errors.js';
import { freePort } from '../localstack/redis/free-port.js';
import { resolveRedis } from '../localstack/redis/resolve-redis.js';
import type { RedisServer } from '../localstack/redis/types.js';

/** Whether a process with this pid exists (signal 0 only checks). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

let live: RedisServer;

beforeAll(async () => {
  live = await resolveRedis(process.env);
});

afterAll(async () => {
  await live?.stop();
});

describe('resolveRedis', () => {
  it('fails clearly when REDIS_URL does not answer, without falling back to another server', async () => {
    const deadPort = await freePort();
    const attempt = resolveRedis(
      { REDIS_URL: `redis://:s3cret@127.0.0.1:${deadPort}` },
      { pingTimeoutMs: 1_000 },
    );
    await expect(attempt).rejects.toThrow(RedisUnreachableError);
    await expect(attempt).rejects.toThrow(
      `REDIS_URL=redis://:***@127.0.0.1:${deadPort} does not answer PING`,
    );
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('uses REDIS_URL when it answers, and leaves that server alone on stop()', async () => {
    const found = await resolveRedis({ REDIS_URL: live.url });
    expect(found.url).toBe(live.url);
    expect(found.pid).toBeUndefined();
    await found.stop();
    const check = new IORedis(live.url);
    expect(await check.ping()).toBe('PONG');
    await check.quit();
  });

  it('uses the default address when REDIS_URL is unset and a server answers there', async () => {
    const found = await resolveRedis({}, { defaultUrl: live.url });
    expect(found.url).toBe(live.url);
    expect(found.pid).toBeUndefined();
  });

  it('otherwise starts redis-server from PATH on a free port, and stop() leaves no process', async () => {
    let started: RedisServer;
    try {
      started = await resolveRedis({}, { defaultUrl: null });
    } catch (error) {
      // Only acceptable when this machine has no redis-server: then the message must say how to get one.
      expect(error).toBeInstanceOf(RedisNotAvailableError);
      expect((error as Error).message).toMatch(/apt-get install redis-server/);
      return;
    }
    const pid = started.pid as number;
    try {
      expect(pid).toEqual(expect.any(Number));
      expect(started.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(started.url).not.toBe(live.url);
      const client = new IORedis(started.url);
      expect(await client.ping()).toBe('PONG');
      // No persistence: nothing is written to disk.
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      await client.quit();
      expect(processExists(pid)).toBe(true);
    } finally {
      await started.stop();
    }
    expect(processExists(pid)).toBe(false);
    await started.stop();
  });

  it('says how to get a Redis when there is none at all', async () => {
    const attempt = resolveRedis({}, { defaultUrl: null, redisServerCommand: 'banku-no-such-redis-server' });
    await expect(attempt).rejects.toThrow(RedisNotAvailableError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server.*REDIS_URL/);
  });

  it('reports a redis-server that exits instead of starting', async () => {
    // `false` starts and exits at once with status 1, as a redis-server refusing its options would.
    const attempt = resolveRedis({}, { defaultUrl: null, redisServerCommand: 'false' });
    await expect(attempt).rejects.toThrow(RedisStartError);
    await expect(attempt).rejects.toThrow(/exited \(code 1\) before answering PING/);
  });
});
