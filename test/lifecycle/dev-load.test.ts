import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../localstack/issuer/mint-client.js';
import { LOCAL_STAGE } from '../../lib/config/stages.js';
import { freePort } from '../../localstack/offline/free-port.js';
import { envWithoutStack, runNpmScript } from '../support/cli-process.js';
import { killTree } from '../support/process-tree.js';
import { directRedis } from '../support/projection-snapshot.js';

const REQUESTS = 100;

/**
 * `npm run dev` under load, as a developer's load test, demo or second test suite meets it: many
 * requests in flight at once. Its functions run in-process, one module per function serving its
 * invocations concurrently, so this also checks that nothing a handler does depends on serving one
 * invocation at a time. Correctness only; `npm run bench` measures the latencies.
 */
describe('npm run dev under load', () => {
  const prefix = `test:dev-load:${randomUUID().slice(0, 8)}`;
  let dev: ReturnType<typeof runNpmScript>;
  let url = '';
  let apiKey = '';
  let lambdaPort = 0;
  /** The API key and a customer's bearer token of the dev's own issuer. */
  let credentials: Record<string, string> = {};
  const issuerDir = mkdtempSync(join(tmpdir(), 'banku-dev-load-issuer-'));

  beforeAll(async () => {
    lambdaPort = await freePort();
    dev = runNpmScript(
      'dev',
      envWithoutStack({
        REDIS_KEY_PREFIX: prefix,
        BANKU_HTTP_PORT: String(await freePort()),
        BANKU_LAMBDA_PORT: String(lambdaPort),
        // The request lines are what this test reads the correlation ids from.
        POWERTOOLS_LOG_LEVEL: 'INFO',
        BANKU_ISSUER_FILE: join(issuerDir, 'local-issuer.json'),
      }),
    );
    await dev.waitForLine('ready', 270_000);
    const value = (name: string) =>
      dev.stdout.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
    [url, apiKey] = [value('API_URL'), value('API_KEY')];
    const issuer = { url: value('AUTH_ISSUER'), mintSecret: value('LOCAL_ISSUER_MINT_SECRET') };
    credentials = {
      'x-api-key': apiKey,
      authorization: `Bearer ${await mintToken(issuer, { sub: 'load' })}`,
    };
  }, 300_000);

  afterAll(async () => {
    if (dev) killTree(dev.child);
    const redis = directRedis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
    rmSync(issuerDir, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} concurrent POSTs all with 202, logs each under its own correlation id, and applies them all`, async () => {
    // A function's first invocation imports its code and connects; on AWS and here alike it pays that
    // once per execution environment, not once per request in flight.
    const first = await fetch(`${url}/accounts`, {
      method: 'POST',
      headers: { ...credentials, 'x-correlation-id': 'warm-up' },
      body: JSON.stringify({ name: 'Warm' }),
    });
    expect(first.status).toBe(202);

    const correlationIds = Array.from({ length: REQUESTS }, () => randomUUID());
    const answers = await Promise.all(
      correlationIds.map(async (correlationId, i) => {
        const response = await fetch(`${url}/accounts`, {
          method: 'POST',
          headers: { ...credentials, 'x-correlation-id': correlationId },
          body: JSON.stringify({ name: `Load ${i}` }),
        });
        const body = (await response.json()) as { transactionId?: string; error?: string };
        return { status: response.status, echoed: response.headers.get('x-correlation-id'), body };
      }),
    );
    const refused = answers.filter((a) => a.status !== 202);
    expect(refused.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    expect(answers.map((a) => a.echoed)).toEqual(correlationIds);

    // One module served all of them at once: each request's line still carries its own id. The lines
    // come through two pipes (serverless-offline's output, then npm run dev's), after the answers.
    const handled = () =>
      dev.stderr
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"request handled"'))
        .map((line) => JSON.parse(line) as { route: string; correlation_id?: string })
        .filter((line) => line.route === 'open-account' && line.correlation_id !== 'warm-up');
    for (const deadline = Date.now() + 15_000; handled().length < REQUESTS && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(
      handled()
        .map((line) => line.correlation_id)
        .sort(),
    ).toEqual([...correlationIds].sort());

    const pending = new Set(answers.map((a) => a.body.transactionId ?? ''));
    const statuses = new Map<string, string>();
    for (const deadline = Date.now() + 60_000; pending.size > 0 && Date.now() < deadline;) {
      for (const transactionId of [...pending]) {
        const read = await fetch(`${url}/transactions/${transactionId}`, { headers: credentials });
        const { status } = (await read.json()) as { status: string };
        statuses.set(transactionId, status);
        if (status !== 'pending') pending.delete(transactionId);
      }
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect([...statuses.values()]).toEqual(answers.map(() => 'applied'));
  }, 120_000);

  it('reports a function that throws as an unhandled function error, as Lambda does, and keeps serving', async () => {
    const lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${lambdaPort}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      const invoked = await lambda.send(
        new InvokeCommand({
          FunctionName: `banku-${LOCAL_STAGE}-projectEvents`,
          Payload: Buffer.from(JSON.stringify({ records: 'not an MSK event' })),
        }),
      );
      expect(invoked.FunctionError).toBe('Unhandled');
      const payload = JSON.parse(Buffer.from(invoked.Payload ?? new Uint8Array()).toString('utf8')) as {
        errorMessage?: string;
      };
      expect(payload.errorMessage).toBeTruthy();
    } finally {
      lambda.destroy();
    }
    const read = await fetch(`${url}/accounts/${randomUUID()}`, { headers: credentials });
    expect(read.status).toBe(404);
  });
});
