import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../localstack/offline/free-port.js';
import { envWithoutStack, runNpmScript } from '../support/cli-process.js';
import { descendants, survivors } from '../support/process-tree.js';
import { directRedis } from '../support/projection-snapshot.js';

describe('npm run dev', () => {
  it('starts on a fresh log with an empty projection, serves the API to tokens of its issuer, and stops everything on SIGTERM', async () => {
    const prefix = `test:dev:${randomUUID().slice(0, 8)}`;
    // Its own issuer file, so a developer's running `npm run dev` keeps its own.
    const issuerDir = mkdtempSync(join(tmpdir(), 'banku-dev-issuer-'));
    const issuerFile = join(issuerDir, 'local-issuer.json');
    const redis = directRedis();
    // Left over from an earlier run: the fresh broker has no log for it, so it must go.
    await redis.hset(`${prefix}:ns:main:acct:${randomUUID()}`, 'balance', '100');
    const dev = runNpmScript(
      'dev',
      envWithoutStack({
        REDIS_KEY_PREFIX: prefix,
        BANKU_HTTP_PORT: String(await freePort()),
        BANKU_LAMBDA_PORT: String(await freePort()),
        BANKU_ISSUER_FILE: issuerFile,
      }),
    );
    try {
      await dev.waitForLine('ready', 150_000);
      const value = (name: string) =>
        dev.stdout.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
      const [url, apiKey, operatorToken] = [value('API_URL'), value('API_KEY'), value('API_TOKEN')];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(apiKey.length).toBeGreaterThan(8);
      expect(operatorToken.split('.')).toHaveLength(3);
      expect(dev.stdout.indexOf('ready')).toBeGreaterThan(
        dev.stdout.findIndex((line) => line.startsWith('API_TOKEN=')),
      );
      // `npm run token` finds the running dev's issuer and mints a customer token for it.
      const tokenCli = runNpmScript('token', envWithoutStack({ BANKU_ISSUER_FILE: issuerFile }), [
        '--sub',
        'ada',
      ]);
      expect((await tokenCli.exited).code).toBe(0);
      const customerToken = tokenCli.stdout[0] ?? '';
      const as = (token: string) => ({ 'x-api-key': apiKey, authorization: `Bearer ${token}` });
      const unauthenticated = await fetch(`${url}/accounts/${randomUUID()}`, {
        headers: { 'x-api-key': apiKey },
      });
      expect(unauthenticated.status).toBe(401);
      expect(await redis.keys(`${prefix}:ns:main:acct:*`)).toEqual([]);

      const opened = await fetch(`${url}/accounts`, {
        method: 'POST',
        headers: as(customerToken),
        body: JSON.stringify({ name: 'Dev' }),
      });
      expect(opened.status).toBe(202);
      const { transactionId, accountId } = (await opened.json()) as {
        transactionId: string;
        accountId: string;
      };
      let status = 'pending';
      for (const deadline = Date.now() + 30_000; status === 'pending' && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const read = await fetch(`${url}/transactions/${transactionId}`, { headers: as(customerToken) });
        status = ((await read.json()) as { status: string }).status;
      }
      expect(status).toBe('applied');
      const byOperator = await fetch(`${url}/accounts/${accountId}`, { headers: as(operatorToken) });
      expect(byOperator.status).toBe(200);

      const started = descendants(dev.pid);
      dev.child.kill('SIGTERM');
      await dev.exited;
      expect(await survivors(started)).toEqual([]);
      // Stopped, the dev withdraws its issuer: `npm run token` then says so.
      const afterwards = runNpmScript('token', envWithoutStack({ BANKU_ISSUER_FILE: issuerFile }), [
        '--sub',
        'ada',
      ]);
      expect((await afterwards.exited).code).toBe(1);
      expect(afterwards.stderr.join('')).toMatch(/start `npm run dev` first/);
    } finally {
      for (const pid of descendants(dev.pid)) process.kill(pid, 'SIGKILL');
      dev.child.kill('SIGKILL');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.unlink(...keys);
      redis.disconnect();
      rmSync(issuerDir, { recursive: true, force: true });
    }
  }, 200_000);
});
