import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { apiClient } from '../support/http-client.js';
import { testToken } from '../support/tokens.js';
import { testRedis } from '../support/redis.js';
import { seededRandom } from '../../localstack/support/seeded-random.js';

type Json = Record<string, unknown>;

/**
 * The whole service through HTTP only: serverless-offline runs the command and read functions, the
 * offline MSK plugin drives the projector from the local broker, and the projector writes Redis through
 * the Upstash endpoint. Nothing here reaches behind the API.
 */
describe('banking end to end through the API', { timeout: 180_000 }, () => {
  const topicPrefix = `e2e-${randomUUID()}`;
  let offline: RunningOffline;
  let call: ReturnType<typeof apiClient>;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix);
    const redis = await testRedis('e2e');
    cleanupRedis = redis.cleanup;
    offline = await startOffline({
      env: {
        KAFKA_TOPIC_PREFIX: topicPrefix,
        REDIS_KEY_PREFIX: redis.prefix,
        PROJECTOR_GROUP_ID: `projector-${topicPrefix}`,
      },
      readyWhen: [/offline-msk: .* joined/],
      onOutput: (line) => {
        if (process.env.DEBUG_OFFLINE || /offline-msk|ERROR|"WARN"/.test(line))
          console.error(`[offline] ${line.slice(0, 400)}`);
      },
    });
    call = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'e2e-customer' }));
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await cleanupRedis?.();
  });

  const post = async (route: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await call('POST', route, path, { body, headers });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return response.body as { transactionId: string; accountId?: string };
  };
  const settled = async (transactionId: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await call('GET', '/transactions/{transactionId}', `/transactions/${transactionId}`);
      expect(response.status).toBe(200);
      const body = response.body as { status: string; reason?: string; type: string };
      if (body.status !== 'pending') return body;
      if (Date.now() > deadline)
        throw new Error(`transaction ${transactionId} still pending after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const open = async (name: string, currency = 'USD') => {
    const { accountId, transactionId } = await post('/accounts', '/accounts', { name, currency });
    expect(await settled(transactionId)).toMatchObject({ status: 'applied', type: 'account_open' });
    return accountId as string;
  };
  const balance = async (accountId: string) => {
    const response = await call('GET', '/accounts/{id}', `/accounts/${accountId}`);
    return (response.body as { balance: number }).balance;
  };
  const deposit = (accountId: string, amount: number, headers?: Record<string, string>) =>
    post('/accounts/{id}/deposits', `/accounts/${accountId}/deposits`, { amount }, headers);
  const withdraw = (accountId: string, amount: number) =>
    post('/accounts/{id}/withdrawals', `/accounts/${accountId}/withdrawals`, { amount });
  const transfer = (from: string, to: string, amount: number) =>
    post('/accounts/{id}/transfers', `/accounts/${from}/transfers`, { toAccountId: to, amount });

  describe('who may touch which account', () => {
    let mallory: ReturnType<typeof apiClient>;
    let operator: ReturnType<typeof apiClient>;
    beforeAll(async () => {
      mallory = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'e2e-mallory' }));
      operator = apiClient(
        offline.url,
        offline.apiKey,
        await testToken({ sub: 'e2e-support', operator: true }),
      );
    });

    it('answers another customer 404 for the account, its history and its transactions, and 403 for moving its money, which stays put', async () => {
      const ada = await open('Ada Owner');
      const funded = await deposit(ada, 1_000);
      await settled(funded.transactionId);
      const notFound = { status: 404, body: { error: 'account_not_found' } };
      expect(await mallory('GET', '/accounts/{id}', `/accounts/${ada}`)).toMatchObject(notFound);
      expect(
        await mallory('GET', '/accounts/{id}/transactions', `/accounts/${ada}/transactions`),
      ).toMatchObject(notFound);
      expect(
        (await mallory('GET', '/transactions/{transactionId}', `/transactions/${funded.transactionId}`))
          .status,
      ).toBe(404);
      const moves = [
        ['/accounts/{id}/deposits', `/accounts/${ada}/deposits`, { amount: 5 }],
        ['/accounts/{id}/withdrawals', `/accounts/${ada}/withdrawals`, { amount: 5 }],
        ['/accounts/{id}/transfers', `/accounts/${ada}/transfers`, { toAccountId: randomUUID(), amount: 5 }],
      ] as const;
      for (const [route, path, body] of moves) {
        const refused = await mallory('POST', route, path, { body });
        expect(refused.status, path).toBe(403);
        expect(refused.body).toMatchObject({ error: 'forbidden' });
      }
      expect(await balance(ada)).toBe(1_000);
    });

    it('decides forbidden in the projector when the request beats the account into the projection', async () => {
      // The opening is not projected yet: the HTTP side cannot see the owner and lets the request
      // through; the projector decides it against the owner, in log order.
      const { accountId } = await post('/accounts', '/accounts', { name: 'Fresh', currency: 'USD' });
      const attempt = await mallory(
        'POST',
        '/accounts/{id}/withdrawals',
        `/accounts/${accountId}/withdrawals`,
        {
          body: { amount: 1 },
        },
      );
      if (attempt.status === 202) {
        const { transactionId } = attempt.body as { transactionId: string };
        let outcome: { status: string; reason?: string } = { status: 'pending' };
        for (const deadline = Date.now() + 60_000; outcome.status === 'pending' && Date.now() < deadline;) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          outcome = (await mallory('GET', '/transactions/{transactionId}', `/transactions/${transactionId}`))
            .body as typeof outcome;
        }
        expect(outcome).toMatchObject({ status: 'rejected', reason: 'forbidden' });
      } else {
        expect(attempt.status).toBe(403);
      }
      for (let read = await call('GET', '/accounts/{id}', `/accounts/${accountId}`); ;) {
        if (read.status === 200) {
          expect(read.body).toMatchObject({ balance: 0, version: 1 });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
        read = await call('GET', '/accounts/{id}', `/accounts/${accountId}`);
      }
    });

    it('lets the destination’s owner read a transfer into their account', async () => {
      const ada = await open('Ada Sender');
      await settled((await deposit(ada, 500)).transactionId);
      const malloryOpened = (await mallory('POST', '/accounts', '/accounts', { body: { name: 'Mallory' } }))
        .body as {
        accountId: string;
      };
      const sent = await transfer(ada, malloryOpened.accountId, 100);
      expect(await settled(sent.transactionId)).toMatchObject({ status: 'applied' });
      expect(
        (await mallory('GET', '/transactions/{transactionId}', `/transactions/${sent.transactionId}`)).body,
      ).toMatchObject({ status: 'applied', type: 'transfer' });
      expect(
        (await mallory('GET', '/accounts/{id}', `/accounts/${malloryOpened.accountId}`)).body,
      ).toMatchObject({
        balance: 100,
      });
    });

    it('lets an operator read every account and transaction, and move no money', async () => {
      const ada = await open('Ada Audited');
      const funded = await deposit(ada, 700);
      await settled(funded.transactionId);
      expect((await operator('GET', '/accounts/{id}', `/accounts/${ada}`)).body).toMatchObject({
        balance: 700,
      });
      expect(
        (await operator('GET', '/accounts/{id}/transactions', `/accounts/${ada}/transactions`)).status,
      ).toBe(200);
      expect(
        (await operator('GET', '/transactions/{transactionId}', `/transactions/${funded.transactionId}`))
          .body,
      ).toMatchObject({ status: 'applied' });
      expect((await operator('POST', '/accounts', '/accounts', { body: { name: 'Ops' } })).status).toBe(403);
      const withdrawal = await operator(
        'POST',
        '/accounts/{id}/withdrawals',
        `/accounts/${ada}/withdrawals`,
        {
          body: { amount: 700 },
        },
      );
      expect(withdrawal).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect(await balance(ada)).toBe(700);
    });
  });

  it('opens, deposits, withdraws, and rejects an overdraft', async () => {
    const ada = await open('Ada');
    expect(await settled((await deposit(ada, 10_000)).transactionId)).toMatchObject({ status: 'applied' });
    expect(await settled((await withdraw(ada, 2_500)).transactionId)).toMatchObject({ status: 'applied' });
    const overdraft = await withdraw(ada, 7_501);
    expect(await settled(overdraft.transactionId)).toEqual({
      transactionId: overdraft.transactionId,
      type: 'withdrawal',
      status: 'rejected',
      reason: 'insufficient_funds',
    });
    expect(await balance(ada)).toBe(7_500);

    const account = await call('GET', '/accounts/{id}', `/accounts/${ada}`);
    expect(account.body).toMatchObject({
      accountId: ada,
      name: 'Ada',
      currency: 'USD',
      balance: 7_500,
      version: 4,
    });
    const history = await call('GET', '/accounts/{id}/transactions', `/accounts/${ada}/transactions?limit=2`);
    const page = history.body as { items: Json[]; nextCursor: string };
    expect(page.items.map((item) => [item.type, item.status, item.reason])).toEqual([
      ['withdrawal', 'rejected', 'insufficient_funds'],
      ['withdrawal', 'applied', undefined],
    ]);
    const rest = await call(
      'GET',
      '/accounts/{id}/transactions',
      `/accounts/${ada}/transactions?limit=2&cursor=${page.nextCursor}`,
    );
    expect((rest.body as { items: Json[] }).items.map((item) => [item.type, item.balanceAfter])).toEqual([
      ['deposit', 10_000],
    ]);
  });

  it('transfers between accounts, and rejects then refunds a transfer to a missing account or another currency', async () => {
    const [grace, alan, euro] = [await open('Grace'), await open('Alan'), await open('Euro', 'EUR')];
    await settled((await deposit(grace, 5_000)).transactionId);

    const sent = await transfer(grace, alan, 1_200);
    expect(await settled(sent.transactionId)).toMatchObject({ type: 'transfer', status: 'applied' });
    expect([await balance(grace), await balance(alan)]).toEqual([3_800, 1_200]);

    const missing = await transfer(grace, randomUUID(), 800);
    expect(await settled(missing.transactionId)).toMatchObject({
      status: 'rejected',
      reason: 'account_not_found',
    });
    const mismatch = await transfer(grace, euro, 300);
    expect(await settled(mismatch.transactionId)).toMatchObject({
      status: 'rejected',
      reason: 'currency_mismatch',
    });
    // The refunds follow the rejections on the source's partition.
    const deadline = Date.now() + 60_000;
    while ((await balance(grace)) !== 3_800 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await balance(grace)).toBe(3_800);
    expect(await balance(euro)).toBe(0);
  });

  it('takes an Idempotency-Key retry once, and refuses bad input without effect', async () => {
    const hopper = await open('Hopper');
    const key = `deposit-${randomUUID()}`;
    const attempts = await Promise.all(
      [1, 2, 3, 4].map(() => deposit(hopper, 900, { 'Idempotency-Key': key })),
    );
    expect(new Set(attempts.map((attempt) => attempt.transactionId)).size).toBe(1);
    await settled(attempts[0]?.transactionId ?? '');
    const bad = await call('POST', '/accounts/{id}/deposits', `/accounts/${hopper}/deposits`, {
      body: { amount: -900 },
    });
    expect(bad.status).toBe(400);
    const again = await deposit(hopper, 900, { 'Idempotency-Key': key });
    expect(again.transactionId).toBe(attempts[0]?.transactionId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await balance(hopper)).toBe(900);
  });

  it('conserves money through a concurrent storm of transfers in both directions', async () => {
    const random = seededRandom(7);
    const accounts: string[] = [];
    for (let i = 0; i < 8; i += 1) accounts.push(await open(`Storm ${i}`));
    for (const id of accounts) await settled((await deposit(id, 10_000)).transactionId);
    const planned = Array.from({ length: 120 }, () => {
      const from = random.pick(accounts);
      return { from, to: random.pick(accounts.filter((id) => id !== from)), amount: random.int(1, 4_000) };
    });
    // Six clients in parallel: every concurrent offline Lambda is a cold worker thread, and many cold
    // ones at once on two cores (other suites run meanwhile) would measure the machine, not the service.
    const transfers: { transactionId: string }[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let next = planned.shift(); next; next = planned.shift()) {
          transfers.push(await transfer(next.from, next.to, next.amount));
        }
      }),
    );
    // Read one at a time: a poller per transfer would be a cold read container per transfer.
    const outcomes: { status: string; reason?: string }[] = [];
    for (const sent of transfers) outcomes.push(await settled(sent.transactionId));
    expect(
      outcomes.every((outcome) => outcome.status === 'applied' || outcome.reason === 'insufficient_funds'),
    ).toBe(true);
    expect(outcomes.some((outcome) => outcome.status === 'applied')).toBe(true);
    const balances = await Promise.all(accounts.map(balance));
    expect(balances.every((value) => value >= 0)).toBe(true);
    expect(balances.reduce((sum, value) => sum + value, 0)).toBe(80_000);
  });
});
