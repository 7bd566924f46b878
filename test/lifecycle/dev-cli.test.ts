import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../localstack/offline/free-port.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { STACK_ENV_NAMES } from '../../localstack/stack/stack-env.js';
import { envWithoutStack, runNpmScript, scratchKafkaDataDir } from '../support/cli-process.js';
import { commandLine, descendants, parentOf, survivors } from '../support/process-tree.js';
import { directRedis } from '../support/projection-snapshot.js';
import { localKafkaClient } from '../support/read-back.js';

type DevProcess = ReturnType<typeof runNpmScript> & { removeKafkaData(): void };

async function startDev(prefix: string): Promise<{ dev: DevProcess; lambdaPort: number }> {
  const lambdaPort = await freePort();
  const kafkaData = scratchKafkaDataDir();
  const npm = runNpmScript(
    'dev',
    envWithoutStack({
      ...kafkaData.env,
      REDIS_KEY_PREFIX: prefix,
      BANKU_HTTP_PORT: String(await freePort()),
      BANKU_LAMBDA_PORT: String(lambdaPort),
    }),
  );
  const dev = Object.assign(npm, { removeKafkaData: kafkaData.remove });
  await dev.waitForLine('ready', 150_000);
  return { dev, lambdaPort };
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

/** The serverless-offline process under `npm run dev`, and the processes the local stack started. */
function devProcesses(dev: DevProcess): { offline: number; stack: number[] } {
  const below = descendants(dev.pid);
  const offline = below.find((pid) => commandLine(pid).includes('osls/bin/serverless.js'));
  if (offline === undefined) throw new Error('no serverless offline process under npm run dev');
  const cli = parentOf(offline);
  return { offline, stack: below.filter((pid) => pid !== offline && parentOf(pid) === cli) };
}

async function stopDev(dev: DevProcess, prefix: string) {
  for (const pid of descendants(dev.pid)) process.kill(pid, 'SIGKILL');
  dev.child.kill('SIGKILL');
  dev.removeKafkaData();
  const redis = directRedis();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}

describe('npm run dev', () => {
  it('starts on a fresh log with an empty projection, serves the API, and stops everything on SIGTERM', async () => {
    const prefix = `test:dev:${randomUUID().slice(0, 8)}`;
    const redis = directRedis();
    // Left over from an earlier run: the fresh broker has no log for it, so it must go.
    await redis.hset(`${prefix}:ns:main:acct:${randomUUID()}`, 'balance', '100');
    const { dev } = await startDev(prefix);
    try {
      const vars = printed(dev);
      const [url, apiKey] = [vars.API_URL ?? '', vars.API_KEY ?? ''];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(apiKey.length).toBeGreaterThan(8);
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
      expect((await dev.exited).code).toBe(0);
      expect(await survivors(started)).toEqual([]);
    } finally {
      await stopDev(dev, prefix);
      redis.disconnect();
    }
  }, 200_000);

  it('prints the stack variables tools need before ready, listens on loopback only and grants foreign origins nothing', async () => {
    const prefix = `test:dev:${randomUUID().slice(0, 8)}`;
    const { dev, lambdaPort } = await startDev(prefix);
    try {
      const vars = printed(dev);
      for (const name of [...STACK_ENV_NAMES, 'REDIS_KEY_PREFIX', 'API_URL', 'API_KEY']) {
        expect(vars[name], name).toBeTruthy();
      }
      expect(vars.REDIS_KEY_PREFIX).toBe(prefix);
      // The printed values are enough for `npm run rebuild` and the fault control to find the stack.
      const ping = await fetch(vars.UPSTASH_REDIS_REST_URL ?? '', {
        method: 'POST',
        headers: { authorization: `Bearer ${vars.UPSTASH_REDIS_REST_TOKEN}` },
        body: JSON.stringify(['PING']),
      });
      expect(await ping.json()).toEqual({ result: 'PONG' });
      const admin = localKafkaClient(vars.KAFKA_BROKERS ?? '').admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [vars.KAFKA_TOPIC ?? ''] });
      await admin.disconnect();
      expect(metadata.topics[0]?.partitions.length).toBeGreaterThan(0);
      await localStackControl(vars.LOCAL_STACK_CONTROL_URL).createTopic(`dev-cli-${randomUUID()}`, 1);

      // The Lambda invoke port runs any function with any event: loopback only.
      expect(await accepts('127.0.0.1', lambdaPort)).toBe(true);
      expect(await accepts('127.0.0.2', lambdaPort)).toBe(false);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      if (external) expect(await accepts(external.address, lambdaPort)).toBe(false);

      // A page on another origin gets no credentials, and its preflight for the API key fails.
      const url = vars.API_URL ?? '';
      const foreign = 'https://attacker.example';
      const posted = await fetch(`${url}/accounts`, {
        method: 'POST',
        headers: { 'x-api-key': vars.API_KEY ?? '', origin: foreign },
        body: JSON.stringify({ name: 'Cors' }),
      });
      expect(posted.status).toBe(202);
      expect(posted.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(`${url}/accounts/${randomUUID()}/deposits`, {
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
    } finally {
      await stopDev(dev, prefix);
    }
  }, 200_000);

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
    200_000,
  );
});
