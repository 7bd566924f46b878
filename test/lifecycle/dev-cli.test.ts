import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { mintToken } from '../../localstack/issuer/mint-client.js';
import { freePort } from '../../localstack/offline/free-port.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { STACK_ENV_NAMES } from '../../localstack/stack/stack-env.js';
import { envWithoutStack, runNpmScript, scratchKafkaDataDir } from '../support/cli-process.js';
import { commandLine, descendants, killTree, parentOf, survivors } from '../support/process-tree.js';
import { directRedis } from '../support/projection-snapshot.js';
import { localKafkaClient } from '../support/read-back.js';

type DevProcess = ReturnType<typeof runNpmScript> & { removeKafkaData(): void };

// Bundling eight functions takes seconds on a quiet machine and minutes on a crowded one.
const READY_MS = 270_000;

// Each dev advertises its issuer in a file of its own, so a developer's running `npm run dev` keeps its.
const issuerFiles = new Map<DevProcess, string>();

async function startDev(
  prefix: string,
): Promise<{ dev: DevProcess; lambdaPort: number; issuerFile: string }> {
  const lambdaPort = await freePort();
  const issuerFile = join(mkdtempSync(join(tmpdir(), 'banku-dev-issuer-')), 'local-issuer.json');
  const kafkaData = scratchKafkaDataDir();
  const npm = runNpmScript(
    'dev',
    envWithoutStack({
      ...kafkaData.env,
      REDIS_KEY_PREFIX: prefix,
      BANKU_HTTP_PORT: String(await freePort()),
      BANKU_LAMBDA_PORT: String(lambdaPort),
      BANKU_ISSUER_FILE: issuerFile,
    }),
  );
  const dev = Object.assign(npm, { removeKafkaData: kafkaData.remove });
  issuerFiles.set(dev, issuerFile);
  await dev.waitForLine('ready', READY_MS);
  return { dev, lambdaPort, issuerFile };
}

/** The API key and a customer's bearer token of the dev's own issuer, minted with what it printed. */
async function customer(vars: Record<string, string>, sub: string): Promise<Record<string, string>> {
  const issuer = { url: vars.AUTH_ISSUER ?? '', mintSecret: vars.LOCAL_ISSUER_MINT_SECRET ?? '' };
  return { 'x-api-key': vars.API_KEY ?? '', authorization: `Bearer ${await mintToken(issuer, { sub })}` };
}

/** What `npm run dev` printed as `NAME=value` before `ready`. */
function printed(dev: DevProcess): Record<string, string> {
  const lines = dev.stdout.slice(0, dev.stdout.indexOf('ready'));
  return Object.fromEntries(
    lines.flatMap((line) => {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      return match ? [[match[1], match[2]]] : [];
    }),
  );
}

/** Whether something accepts TCP connections on host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The serverless-offline process under `npm run dev`, and the processes the local stack started: the
 * other children of the same process, but for tsx's esbuild service, which compiles the CLI itself.
 */
function devProcesses(dev: DevProcess): { offline: number; stack: number[] } {
  const below = descendants(dev.pid);
  const offline = below.find((pid) => commandLine(pid).includes('osls/bin/serverless.js'));
  if (offline === undefined) throw new Error('no serverless offline process under npm run dev');
  const cli = parentOf(offline);
  const stack = below.filter(
    (pid) => pid !== offline && parentOf(pid) === cli && !commandLine(pid).includes('esbuild'),
  );
  return { offline, stack };
}

async function stopDev(dev: DevProcess | undefined, prefix: string) {
  if (dev) {
    killTree(dev.child);
    dev.removeKafkaData();
  }
  const issuerFile = dev && issuerFiles.get(dev);
  if (issuerFile) rmSync(dirname(issuerFile), { recursive: true, force: true });
  const redis = directRedis();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}

describe('npm run dev', () => {
  describe('running', () => {
    const prefix = `test:dev:${randomUUID().slice(0, 8)}`;
    const redis = directRedis();
    let dev: DevProcess;
    let lambdaPort = 0;
    let issuerFile = '';
    let vars: Record<string, string> = {};

    beforeAll(async () => {
      // Left over from an earlier run: the fresh broker has no log for it, so it must go.
      await redis.set(`${prefix}:ns:main:acct:${randomUUID()}`, JSON.stringify({ balance: 100 }));
      ({ dev, lambdaPort, issuerFile } = await startDev(prefix));
      vars = printed(dev);
    }, READY_MS + 30_000);

    afterAll(async () => {
      await stopDev(dev, prefix);
      redis.disconnect();
    });

    it('prints the variables tools need before ready, and they reach the stack', async () => {
      for (const name of [...STACK_ENV_NAMES, 'REDIS_KEY_PREFIX', 'API_URL', 'API_KEY', 'API_TOKEN']) {
        expect(vars[name], name).toBeTruthy();
      }
      expect(vars.REDIS_KEY_PREFIX).toBe(prefix);
      expect(vars.API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // The printed values are enough for `npm run rebuild` and the fault control to find the stack.
      const ping = await fetch(vars.UPSTASH_REDIS_REST_URL ?? '', {
        method: 'POST',
        headers: { authorization: `Bearer ${vars.UPSTASH_REDIS_REST_TOKEN}` },
        body: JSON.stringify(['PING']),
      });
      expect(await ping.json()).toEqual({ result: 'PONG' });
      const admin = localKafkaClient(vars.KAFKA_BROKERS ?? '').admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({
        topics: [topicName('commands', vars.KAFKA_TOPIC_PREFIX)],
      });
      await admin.disconnect();
      expect(metadata.topics[0]?.partitions.length).toBeGreaterThan(0);
      await localStackControl(vars.LOCAL_STACK_CONTROL_URL).createTopic(`dev-cli-${randomUUID()}`, 1);
    });

    it('listens on loopback only: the Lambda invoke port runs any function with any event', async () => {
      expect(await accepts('127.0.0.1', lambdaPort)).toBe(true);
      expect(await accepts('127.0.0.2', lambdaPort)).toBe(false);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      if (external) expect(await accepts(external.address, lambdaPort)).toBe(false);
    });

    it('gives a page on another origin no credentials, and fails its preflight for the API key', async () => {
      const foreign = 'https://attacker.example';
      const posted = await fetch(`${vars.API_URL}/accounts`, {
        method: 'POST',
        headers: { ...(await customer(vars, 'cors')), origin: foreign },
        body: JSON.stringify({ name: 'Cors' }),
      });
      expect(posted.status).toBe(202);
      expect(posted.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(`${vars.API_URL}/accounts/${randomUUID()}/deposits`, {
        method: 'OPTIONS',
        headers: {
          origin: foreign,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-api-key,content-type',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
    });

    it('starts on a fresh log with an empty projection and serves the API to tokens of its issuer', async () => {
      expect(await redis.keys(`${prefix}:ns:main:acct:*`)).toEqual([]);
      // `npm run token` finds the running dev's issuer and mints a customer token for it.
      const tokenCli = runNpmScript('token', envWithoutStack({ BANKU_ISSUER_FILE: issuerFile }), [
        '--sub',
        'ada',
      ]);
      expect((await tokenCli.exited).code).toBe(0);
      const as = (token: string) => ({ 'x-api-key': vars.API_KEY ?? '', authorization: `Bearer ${token}` });
      const ada = as(tokenCli.stdout[0] ?? '');
      const anonymous = await fetch(`${vars.API_URL}/accounts/${randomUUID()}`, {
        headers: { 'x-api-key': vars.API_KEY ?? '' },
      });
      expect(anonymous.status).toBe(401);

      const opened = await fetch(`${vars.API_URL}/accounts`, {
        method: 'POST',
        headers: ada,
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
        const read = await fetch(`${vars.API_URL}/transactions/${transactionId}`, { headers: ada });
        status = ((await read.json()) as { status: string }).status;
      }
      expect(status).toBe('applied');
      // The operator's API_TOKEN reads any account.
      const audited = await fetch(`${vars.API_URL}/accounts/${accountId}`, {
        headers: as(vars.API_TOKEN ?? ''),
      });
      expect(audited.status).toBe(200);
    }, 60_000);

    it('stops everything on SIGTERM and exits 0, and withdraws its issuer', async () => {
      const started = descendants(dev.pid);
      dev.child.kill('SIGTERM');
      expect((await dev.exited).code).toBe(0);
      expect(await survivors(started)).toEqual([]);
      const afterwards = runNpmScript('token', envWithoutStack({ BANKU_ISSUER_FILE: issuerFile }), [
        '--sub',
        'ada',
      ]);
      expect((await afterwards.exited).code).toBe(1);
      expect(afterwards.stderr.join('')).toMatch(/start `npm run dev` first/);
    });
  });

  it.each(['serverless offline', 'the local stack'] as const)(
    'exits non-zero, says so and stops everything when %s dies',
    async (victim) => {
      const prefix = `test:dev:${randomUUID().slice(0, 8)}`;
      const { dev } = await startDev(prefix);
      try {
        const processes = devProcesses(dev);
        const killed = victim === 'serverless offline' ? processes.offline : processes.stack[0];
        expect(killed).toBeDefined();
        const started = descendants(dev.pid);
        process.kill(killed as number, 'SIGKILL');

        const { code } = await dev.exited;
        expect(code).toBe(1);
        const said = dev.stderr.join('');
        expect(said).toMatch(new RegExp(`\\(pid ${killed}\\) exited unexpectedly`));
        expect(await survivors(started)).toEqual([]);
      } finally {
        await stopDev(dev, prefix);
      }
    },
    READY_MS + 60_000,
  );
});
