import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../localstack/issuer/mint-client.js';
import { freePort } from '../../localstack/offline/free-port.js';
import { envWithoutStack, runNpmScript, scratchKafkaDataDir } from '../support/cli-process.js';
import { descendants, survivors } from '../support/process-tree.js';
import { directRedis } from '../support/projection-snapshot.js';

// The customer who owns the account across restarts (each session's issuer mints its token).
const CUSTOMER = 'dev-restart-customer';

/** One `npm run dev -- --broker apache` on `kafkaData`, from start to SIGTERM, calling as CUSTOMER. */
async function devSession<T>(
  env: NodeJS.ProcessEnv,
  use: (api: {
    call: (method: string, path: string, body?: unknown) => Promise<Response>;
    said: () => string;
  }) => Promise<T>,
): Promise<T> {
  const dev = runNpmScript('dev', env, ['--broker', 'apache']);
  try {
    await dev.waitForLine('ready', 240_000);
    const value = (name: string) =>
      dev.stdout.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
    const [url, apiKey] = [value('API_URL'), value('API_KEY')];
    const issuer = { url: value('AUTH_ISSUER'), mintSecret: value('LOCAL_ISSUER_MINT_SECRET') };
    const authorization = `Bearer ${await mintToken(issuer, { sub: CUSTOMER })}`;
    const result = await use({
      call: (method, path, body) =>
        fetch(`${url}${path}`, {
          method,
          headers: { 'x-api-key': apiKey, authorization },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      said: () => dev.stderr.join(''),
    });
    const started = descendants(dev.pid);
    dev.child.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
    expect(await survivors(started)).toEqual([]);
    return result;
  } finally {
    for (const pid of descendants(dev.pid)) process.kill(pid, 'SIGKILL');
    dev.child.kill('SIGKILL');
  }
}

async function applied(call: (method: string, path: string) => Promise<Response>, transactionId: string) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
    const status = (
      (await (await call('GET', `/transactions/${transactionId}`)).json()) as { status: string }
    ).status;
    if (status !== 'pending') return status;
  }
  return 'pending';
}

describe('npm run dev -- --broker apache', () => {
  it('keeps every account across restarts, and rebuilds them from the log when Redis lost them', async () => {
    const prefix = `test:dev-apache:${randomUUID().slice(0, 8)}`;
    const kafkaData = scratchKafkaDataDir();
    const issuerDir = mkdtempSync(join(tmpdir(), 'banku-dev-issuer-'));
    const redis = directRedis();
    const env = envWithoutStack({
      ...kafkaData.env,
      REDIS_KEY_PREFIX: prefix,
      BANKU_HTTP_PORT: String(await freePort()),
      BANKU_LAMBDA_PORT: String(await freePort()),
      // Its own advertised issuer, so a developer's running `npm run dev` keeps theirs.
      BANKU_ISSUER_FILE: join(issuerDir, 'local-issuer.json'),
    });
    try {
      const accountId = await devSession(env, async ({ call, said }) => {
        expect(said()).toContain('projection emptied');
        const opened = (await (await call('POST', '/accounts', { name: 'Kept' })).json()) as {
          accountId: string;
          transactionId: string;
        };
        expect(await applied(call, opened.transactionId)).toBe('applied');
        const deposit = (await (
          await call('POST', `/accounts/${opened.accountId}/deposits`, { amount: 500 })
        ).json()) as {
          transactionId: string;
        };
        expect(await applied(call, deposit.transactionId)).toBe('applied');
        return opened.accountId;
      });

      await devSession(env, async ({ call, said }) => {
        expect(said()).toContain('projection kept');
        expect(await (await call('GET', `/accounts/${accountId}`)).json()).toMatchObject({ balance: 500 });
        const deposit = (await (
          await call('POST', `/accounts/${accountId}/deposits`, { amount: 250 })
        ).json()) as {
          transactionId: string;
        };
        expect(await applied(call, deposit.transactionId)).toBe('applied');
      });

      // Redis restarted empty (as a redis-server the stack started for one run always is): the accounts
      // are still in the log.
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.unlink(...keys);
      await devSession(env, async ({ call, said }) => {
        expect(said()).toContain('projection rebuilt');
        expect(await (await call('GET', `/accounts/${accountId}`)).json()).toMatchObject({
          name: 'Kept',
          balance: 750,
          version: 3,
        });
      });
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.unlink(...keys);
      redis.disconnect();
      kafkaData.remove();
      rmSync(issuerDir, { recursive: true, force: true });
    }
  }, 600_000);
});
