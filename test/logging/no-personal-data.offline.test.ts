import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { apiClient } from '../support/http-client.js';
import { testToken } from '../support/tokens.js';
import { testRedis } from '../support/redis.js';

// Fixtures no log line has a reason to hold: names, Idempotency-Keys, and balances of twelve digits,
// long enough that no timestamp, duration, offset or id holds them by chance.
const OTTOLINE = 'Ottoline Privatename';
const BARTHOLOMEW = 'Bartholomew Secretsson';
const KEYS = [`idem-${randomUUID()}`, `idem-${randomUUID()}`, `idem-${randomUUID()}`];
const FIRST_DEPOSIT = 918_273_645_501;
const WITHDRAWAL = 101_010_101_013;
const TRANSFER = 212_121_212_123;

describe('logs of a whole flow, at every level', { timeout: 300_000 }, () => {
  const topicPrefix = `logs-${randomUUID()}`;
  const lines: string[] = [];
  let offline: RunningOffline;
  let call: ReturnType<typeof apiClient>;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix);
    const redis = await testRedis('logs');
    cleanupRedis = redis.cleanup;
    offline = await startOffline({
      env: {
        KAFKA_TOPIC_PREFIX: topicPrefix,
        REDIS_KEY_PREFIX: redis.prefix,
        PROJECTOR_GROUP_ID: `projector-${topicPrefix}`,
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
      },
      readyWhen: [/offline-msk: .* joined/],
      onOutput: (line) => lines.push(line),
    });
    call = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'logs-customer' }));
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await cleanupRedis?.();
  });

  const settled = async (transactionId: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await call('GET', '/transactions/{transactionId}', `/transactions/${transactionId}`);
      const body = response.body as { status: string; reason?: string };
      if (body.status !== 'pending') return body;
      if (Date.now() > deadline) throw new Error(`transaction ${transactionId} still pending`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const post = async (route: string, path: string, body: unknown, key?: string) => {
    const response = await call('POST', route, path, {
      body,
      ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
    });
    return response;
  };
  const accepted = async (route: string, path: string, body: unknown, key?: string) => {
    const response = await post(route, path, body, key);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const answer = response.body as { transactionId: string; accountId?: string };
    await settled(answer.transactionId);
    return answer;
  };

  it('runs opens, deposits, a withdrawal, a transfer, refusals and reads', async () => {
    const { accountId: ottoline } = await accepted('/accounts', '/accounts', { name: OTTOLINE }, KEYS[0]);
    const { accountId: bartholomew } = await accepted('/accounts', '/accounts', { name: BARTHOLOMEW });
    await accepted(
      '/accounts/{id}/deposits',
      `/accounts/${ottoline}/deposits`,
      { amount: FIRST_DEPOSIT },
      KEYS[1],
    );
    await accepted(
      '/accounts/{id}/withdrawals',
      `/accounts/${ottoline}/withdrawals`,
      { amount: WITHDRAWAL },
      KEYS[2],
    );
    const transfer = await accepted('/accounts/{id}/transfers', `/accounts/${ottoline}/transfers`, {
      toAccountId: bartholomew,
      amount: TRANSFER,
    });
    const overdraft = await accepted('/accounts/{id}/withdrawals', `/accounts/${bartholomew}/withdrawals`, {
      amount: TRANSFER + 1,
    });
    expect(await settled(overdraft.transactionId)).toMatchObject({ reason: 'insufficient_funds' });
    expect(await settled(transfer.transactionId)).toMatchObject({ status: 'applied' });

    // Refusals whose requests hold the fixtures.
    expect(
      (await post('/accounts', '/accounts', { name: `${OTTOLINE}\u0000` }, `${KEYS[0]}-bad`)).status,
    ).toBe(400);
    expect(
      (await post('/accounts/{id}/deposits', `/accounts/${ottoline}/deposits`, { amount: 5 }, KEYS[1]))
        .status,
    ).toBe(409);

    const account = await call('GET', '/accounts/{id}', `/accounts/${ottoline}`);
    expect(account.body).toMatchObject({ name: OTTOLINE, balance: FIRST_DEPOSIT - WITHDRAWAL - TRANSFER });
    const history = await call('GET', '/accounts/{id}/transactions', `/accounts/${ottoline}/transactions`);
    expect((history.body as { items: unknown[] }).items).toHaveLength(3);
    const other = await call('GET', '/accounts/{id}', `/accounts/${bartholomew}`);
    expect(other.body).toMatchObject({ balance: TRANSFER });
  });

  it('holds ids and outcomes, and no name, Idempotency-Key or balance', () => {
    const logs = lines.join('\n');
    // The capture saw the service at every level: HTTP functions, the projector, kafkajs' debug lines.
    expect(logs).toContain('"message":"request handled"');
    expect(logs).toContain('"message":"batch projected"');
    expect(logs).toContain('"level":"DEBUG"');
    const balances = [
      FIRST_DEPOSIT,
      FIRST_DEPOSIT - WITHDRAWAL,
      FIRST_DEPOSIT - WITHDRAWAL - TRANSFER,
      TRANSFER,
    ].map(String);
    const found = [OTTOLINE, BARTHOLOMEW, ...KEYS, ...balances].filter((secret) => logs.includes(secret));
    expect(found, lines.filter((line) => found.some((secret) => line.includes(secret))).join('\n')).toEqual(
      [],
    );
  });
});
