import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { UPSTASH_REQUEST_TIMEOUT_MS } from '../../lib/redis/client.js';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { apiClient } from '../support/http-client.js';
import { testToken } from '../support/tokens.js';
import { localKafkaClient, recordCount } from '../support/read-back.js';
import { startSilentServer } from '../support/silent-server.js';

const HOLDER = 'Philippa Unanswered';
const KEY = `hung-redis-${randomUUID()}`;
// serverless.yml gives the HTTP functions 10 s; past it serverless-offline, like API Gateway, answers 504.
const FUNCTION_TIMEOUT_MS = 10_000;

describe('every route while Redis accepts connections and never answers', () => {
  const topicPrefix = `hung-redis-${randomUUID()}`;
  const topic = topicName('commands', topicPrefix);
  const output: string[] = [];
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let offline: RunningOffline;
  let kafka: Kafka;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix);
    silent = await startSilentServer();
    offline = await startOffline({
      env: {
        KAFKA_TOPIC_PREFIX: topicPrefix,
        UPSTASH_REDIS_REST_URL: silent.url,
        OFFLINE_MSK_ENABLED: 'false',
      },
      onOutput: (line) => output.push(line),
    });
    kafka = localKafkaClient(process.env.KAFKA_BROKERS ?? '');
    call = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'slow-redis-customer' }));
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await silent?.close();
  });

  const timed = async (request: ReturnType<typeof call>) => {
    const started = performance.now();
    const response = await request;
    return { response, ms: performance.now() - started };
  };

  it('answers a command 503 redis_unavailable with Retry-After, before the function times out, and publishes nothing', async () => {
    for (const request of [
      () =>
        call('POST', '/accounts', '/accounts', {
          body: { name: HOLDER },
          headers: { 'Idempotency-Key': KEY },
        }),
      () =>
        call('POST', '/accounts/{id}/deposits', `/accounts/${randomUUID()}/deposits`, {
          body: { amount: 4_200 },
          headers: { 'Idempotency-Key': `${KEY}-deposit` },
        }),
    ]) {
      const { response, ms } = await timed(request());
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(response.body).toMatchObject({ error: 'redis_unavailable' });
      expect(ms).toBeGreaterThanOrEqual(UPSTASH_REQUEST_TIMEOUT_MS - 100);
      expect(ms).toBeLessThan(FUNCTION_TIMEOUT_MS);
    }
    expect(silent.requests()).toBeGreaterThanOrEqual(2);
    expect(await recordCount(kafka, topic)).toBe(0);
  });

  it('answers every read 503 redis_unavailable too', async () => {
    const id = randomUUID();
    for (const [route, path] of [
      ['/accounts/{id}', `/accounts/${id}`],
      ['/accounts/{id}/transactions', `/accounts/${id}/transactions`],
      ['/transactions/{transactionId}', `/transactions/${id}`],
    ] as const) {
      const { response, ms } = await timed(call('GET', route, path));
      expect(response.status, path).toBe(503);
      expect(response.body).toMatchObject({ error: 'redis_unavailable' });
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(ms).toBeLessThan(FUNCTION_TIMEOUT_MS);
    }
  });

  it('logs why, with ids, and without the name, the amount or the Idempotency-Key', () => {
    const logs = output.join('\n');
    expect(logs).toContain('Upstash did not answer within');
    expect(logs).toMatch(/"transactionId":"[0-9a-f-]{36}"/);
    for (const secret of [HOLDER, KEY, '4200']) expect(logs).not.toContain(secret);
  });
});
