import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../localstack/offline/free-port.js';
import { envWithoutStack, runNpmScript } from '../support/cli-process.js';
import { descendants, survivors } from '../support/process-tree.js';
import { directRedis } from '../support/projection-snapshot.js';

describe('npm run dev', () => {
  it('starts on a fresh log with an empty projection, serves the API, and stops everything on SIGTERM', async () => {
    const prefix = `test:dev:${randomUUID().slice(0, 8)}`;
    const redis = directRedis();
    // Left over from an earlier run: the fresh broker has no log for it, so it must go.
    await redis.hset(`${prefix}:ns:main:acct:${randomUUID()}`, 'balance', '100');
    const dev = runNpmScript(
      'dev',
      envWithoutStack({
        REDIS_KEY_PREFIX: prefix,
        BANKU_HTTP_PORT: String(await freePort()),
        BANKU_LAMBDA_PORT: String(await freePort()),
      }),
    );
    try {
      await dev.waitForLine('ready', 150_000);
      const value = (name: string) =>
        dev.stdout.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
      const [url, apiKey] = [value('API_URL'), value('API_KEY')];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(apiKey.length).toBeGreaterThan(8);
      expect(dev.stdout.indexOf('ready')).toBeGreaterThan(
        dev.stdout.findIndex((line) => line.startsWith('API_KEY=')),
      );
      expect(await redis.keys(`${prefix}:ns:main:acct:*`)).toEqual([]);

      const opened = await fetch(`${url}/accounts`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey },
        body: JSON.stringify({ name: 'Dev' }),
      });
      expect(opened.status).toBe(202);
      const { transactionId } = (await opened.json()) as { transactionId: string };
      let status = 'pending';
      for (const deadline = Date.now() + 30_000; status === 'pending' && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const read = await fetch(`${url}/transactions/${transactionId}`, {
          headers: { 'x-api-key': apiKey },
        });
        status = ((await read.json()) as { status: string }).status;
      }
      expect(status).toBe('applied');

      const started = descendants(dev.pid);
      dev.child.kill('SIGTERM');
      await dev.exited;
      expect(await survivors(started)).toEqual([]);
    } finally {
      for (const pid of descendants(dev.pid)) process.kill(pid, 'SIGKILL');
      dev.child.kill('SIGKILL');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.unlink(...keys);
      redis.disconnect();
    }
  }, 200_000);
});
