import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { apiClient } from '../support/http-client.js';
import { testRedis } from '../support/redis.js';
import { stackIssuer, testToken } from '../support/tokens.js';

const ROUTES = [
  { method: 'POST', route: '/accounts', path: () => '/accounts', body: { name: 'Ada' } },
  {
    method: 'POST',
    route: '/accounts/{id}/deposits',
    path: (id: string) => `/accounts/${id}/deposits`,
    body: { amount: 5 },
  },
  {
    method: 'POST',
    route: '/accounts/{id}/withdrawals',
    path: (id: string) => `/accounts/${id}/withdrawals`,
    body: { amount: 5 },
  },
  {
    method: 'POST',
    route: '/accounts/{id}/transfers',
    path: (id: string) => `/accounts/${id}/transfers`,
    body: { toAccountId: randomUUID(), amount: 5 },
  },
  { method: 'GET', route: '/accounts/{id}', path: (id: string) => `/accounts/${id}` },
  {
    method: 'GET',
    route: '/accounts/{id}/transactions',
    path: (id: string) => `/accounts/${id}/transactions`,
  },
  { method: 'GET', route: '/transactions/{transactionId}', path: (id: string) => `/transactions/${id}` },
] as const;

/**
 * The bearer-token check through serverless-offline, which runs functions/authorizer.ts as API Gateway
 * runs it on AWS: every route refuses a request without a good token, before any handler runs.
 */
describe('bearer tokens on every route', () => {
  const topicPrefix = `auth-${randomUUID()}`;
  let offline: RunningOffline;
  let call: ReturnType<typeof apiClient>;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix);
    const redis = await testRedis('auth');
    cleanupRedis = redis.cleanup;
    offline = await startOffline({
      env: { KAFKA_TOPIC_PREFIX: topicPrefix, REDIS_KEY_PREFIX: redis.prefix, OFFLINE_MSK_ENABLED: 'false' },
    });
    call = apiClient(offline.url, offline.apiKey, await testToken({ sub: `alice-${randomUUID()}` }));
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await cleanupRedis?.();
  });

  const everyRoute = async (token: string | null, headers: Record<string, string> = {}) => {
    const statuses: Record<string, number> = {};
    for (const { method, route, path, ...rest } of ROUTES) {
      const response = await call(method, route, path(randomUUID()), {
        token,
        headers,
        ...('body' in rest ? { body: rest.body } : {}),
      });
      statuses[`${method} ${route}`] = response.status;
    }
    return statuses;
  };
  const allAre = (status: number) =>
    Object.fromEntries(ROUTES.map(({ method, route }) => [`${method} ${route}`, status]));

  it('serves a customer with a good token', async () => {
    expect(await everyRoute(await testToken({ sub: 'alice' }))).toEqual({
      'POST /accounts': 202,
      'POST /accounts/{id}/deposits': 202,
      'POST /accounts/{id}/withdrawals': 202,
      'POST /accounts/{id}/transfers': 202,
      'GET /accounts/{id}': 404,
      'GET /accounts/{id}/transactions': 404,
      'GET /transactions/{transactionId}': 404,
    });
  });

  it('answers 401 on every route without a token', async () => {
    expect(await everyRoute(null)).toEqual(allAre(401));
  });

  it('answers 401 on every route to a token that is not a bearer JWT', async () => {
    expect(await everyRoute(null, { authorization: 'Basic YWxpY2U6c2VjcmV0' })).toEqual(allAre(401));
    expect(await everyRoute('not-a-jwt')).toEqual(allAre(401));
  });

  describe('answers 401 to a token that does not verify', () => {
    const deposit = (token: string) =>
      call('POST', '/accounts/{id}/deposits', `/accounts/${randomUUID()}/deposits`, {
        body: { amount: 1 },
        token,
      });

    it('of another issuer', async () => {
      expect(
        (await deposit(await testToken({ sub: 'alice', issuer: 'https://elsewhere.example' }))).status,
      ).toBe(401);
    });

    it('expired', async () => {
      expect((await deposit(await testToken({ sub: 'alice', expiresInSeconds: -60 }))).status).toBe(401);
    });

    it('for another audience', async () => {
      expect((await deposit(await testToken({ sub: 'alice', audience: 'another-service' }))).status).toBe(
        401,
      );
    });

    it('unsigned (alg: none)', async () => {
      const unsigned = new UnsecuredJWT({ sub: 'alice' })
        .setIssuer(stackIssuer().url)
        .setAudience(process.env.AUTH_AUDIENCE ?? '')
        .setExpirationTime('10m')
        .encode();
      expect(unsigned.split('.')[2]).toBe('');
      expect((await deposit(unsigned)).status).toBe(401);
    });

    it('with a tampered payload (the signature no longer matches)', async () => {
      const [header, , signature] = (await testToken({ sub: 'alice' })).split('.');
      const bob = await testToken({ sub: 'bob' });
      const tampered = [header, bob.split('.')[1], signature].join('.');
      expect((await deposit(tampered)).status).toBe(401);
    });

    it("signed by another key under the issuer's key id", async () => {
      const jwks = (await (await fetch(`${stackIssuer().url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: jwks.keys[0]?.kid ?? '' })
        .setIssuer(stackIssuer().url)
        .setAudience(process.env.AUTH_AUDIENCE ?? '')
        .setSubject('alice')
        .setExpirationTime('10m')
        .sign(privateKey);
      expect((await deposit(forged)).status).toBe(401);
    });

    it('signed with HMAC, the public key as the secret (algorithm confusion)', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(publicKey)));
      const confused = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(stackIssuer().url)
        .setAudience(process.env.AUTH_AUDIENCE ?? '')
        .setSubject('alice')
        .setExpirationTime('10m')
        .sign(secret);
      expect((await deposit(confused)).status).toBe(401);
    });
  });

  it("refuses serverless-offline's authorizer override header, which would let a caller pose as anyone", async () => {
    const response = await call('GET', '/accounts/{id}', `/accounts/${randomUUID()}`, {
      headers: {
        'sls-offline-authorizer-override': JSON.stringify({
          principalId: 'bob',
          kind: 'operator',
          expiresAt: '9999999999',
        }),
      },
    });
    expect(response.status).toBe(401);
  });

  it('still requires the API key besides the token', async () => {
    const response = await call('GET', '/accounts/{id}', `/accounts/${randomUUID()}`, { apiKey: null });
    expect(response.status).toBe(403);
  });
});
