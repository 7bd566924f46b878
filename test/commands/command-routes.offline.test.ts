import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { topicName } from '../../lib/config/topics.js';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent } from '../../lib/events/codec.js';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { apiClient } from '../support/http-client.js';
import { contractViolations } from '../support/openapi.js';
import { testToken } from '../support/tokens.js';
import { localKafkaClient, readBack, recordCount } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('command routes through serverless-offline', () => {
  const topicPrefix = `commands-${randomUUID()}`;
  const topic = topicName('commands', topicPrefix);
  let offline: RunningOffline;
  let kafka: Kafka;
  let call: ReturnType<typeof apiClient>;
  let token: string;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix);
    const redis = await testRedis('commands');
    cleanupRedis = redis.cleanup;
    offline = await startOffline({
      env: { KAFKA_TOPIC_PREFIX: topicPrefix, REDIS_KEY_PREFIX: redis.prefix, OFFLINE_MSK_ENABLED: 'false' },
    });
    kafka = localKafkaClient(process.env.KAFKA_BROKERS ?? '');
    token = await testToken({ sub: 'commands-customer' });
    call = apiClient(offline.url, offline.apiKey, token);
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await cleanupRedis?.();
  });

  const recordsInTopic = () => recordCount(kafka, topic);

  it('publishes each command as a keyed, versioned event with routing headers, and answers 202', async () => {
    const opened = await call('POST', '/accounts', '/accounts', {
      body: { name: '  Ada Lovelace ', currency: 'EUR' },
      headers: { traceparent: TRACEPARENT },
    });
    expect(opened.status).toBe(202);
    const { accountId, transactionId } = opened.body as { accountId: string; transactionId: string };
    const other = randomUUID();
    const deposit = await call('POST', '/accounts/{id}/deposits', `/accounts/${accountId}/deposits`, {
      body: { amount: 1250 },
    });
    const withdrawal = await call(
      'POST',
      '/accounts/{id}/withdrawals',
      `/accounts/${accountId}/withdrawals`,
      {
        body: { amount: 250 },
      },
    );
    const transfer = await call('POST', '/accounts/{id}/transfers', `/accounts/${accountId}/transfers`, {
      body: { toAccountId: other, amount: 100 },
    });
    expect([deposit.status, withdrawal.status, transfer.status]).toEqual([202, 202, 202]);

    const records = await readBack(kafka, topic, 4);
    expect(new Set(records.map((record) => record.key))).toEqual(new Set([accountId]));
    expect(new Set(records.map((record) => record.partition)).size).toBe(1);
    const decoded = records.map((record) => {
      const result = decodeEvent(record.value ?? null);
      if (!result.ok) throw new Error(`undecodable record: ${result.message}`);
      return { event: result.event, headers: record.headers };
    });
    expect(decoded.map(({ event }) => event.type)).toEqual([
      'AccountOpenRequested',
      'DepositRequested',
      'WithdrawalRequested',
      'TransferRequested',
    ]);
    const [open, , , transferEvent] = decoded;
    expect(open?.event).toMatchObject({
      accountId,
      schemaVersion: 1,
      data: { transactionId, name: 'Ada Lovelace', currency: 'EUR' },
      metadata: { causationId: null, idempotencyKey: null },
    });
    expect(open?.event.metadata.correlationId).toBeTruthy();
    expect(open?.headers).toMatchObject({
      'event-type': 'AccountOpenRequested',
      'content-type': 'application/json',
      'schema-version': '1',
      traceparent: TRACEPARENT,
    });
    expect(decoded[1]?.headers.traceparent).toBeUndefined();
    expect(transferEvent?.event.data).toMatchObject({ toAccountId: other, amount: 100 });
    expect(transferEvent?.event.data.transactionId).toBe(
      (transfer.body as { transactionId: string }).transactionId,
    );
  });

  it('defaults the currency to USD', async () => {
    const opened = await call('POST', '/accounts', '/accounts', { body: { name: 'Grace' } });
    const { accountId } = opened.body as { accountId: string };
    const records = await readBack(kafka, topic, 5);
    const event = records
      .map((record) => decodeEvent(record.value ?? null))
      .find((r) => r.ok && r.event.accountId === accountId);
    expect(event?.ok && event.event.data).toMatchObject({ currency: 'USD', name: 'Grace' });
  });

  it('answers the same transactionId to concurrent retries with one Idempotency-Key, and 409 to another body', async () => {
    const account = randomUUID();
    const key = `deposit-${randomUUID()}`;
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () =>
        call('POST', '/accounts/{id}/deposits', `/accounts/${account}/deposits`, {
          body: { amount: 700 },
          headers: { 'Idempotency-Key': key },
        }),
      ),
    );
    expect(attempts.map((attempt) => attempt.status)).toEqual(Array(8).fill(202));
    const ids = new Set(attempts.map((attempt) => (attempt.body as { transactionId: string }).transactionId));
    expect(ids.size).toBe(1);

    const conflict = await call('POST', '/accounts/{id}/deposits', `/accounts/${account}/deposits`, {
      body: { amount: 701 },
      headers: { 'Idempotency-Key': key },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: 'idempotency_key_reused' });

    const opened = await Promise.all(
      [1, 2].map(() =>
        call('POST', '/accounts', '/accounts', {
          body: { name: 'Same' },
          headers: { 'Idempotency-Key': `open-${key}` },
        }),
      ),
    );
    expect(opened[0]?.body).toEqual(opened[1]?.body);
  });

  it('refuses bad input with 400 validation_failed, names the field, and publishes nothing', async () => {
    const before = await recordsInTopic();
    const account = randomUUID();
    const cases: {
      route: string;
      path: string;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
      field: string;
    }[] = [
      { route: '/accounts', path: '/accounts', body: {}, field: 'body.name' },
      { route: '/accounts', path: '/accounts', body: { name: '   ' }, field: 'body.name' },
      { route: '/accounts', path: '/accounts', body: { name: 'x'.repeat(101) }, field: 'body.name' },
      { route: '/accounts', path: '/accounts', body: { name: 'A', currency: 'usd' }, field: 'body.currency' },
      { route: '/accounts', path: '/accounts', body: { name: 'A', admin: true }, field: 'body' },
      { route: '/accounts', path: '/accounts', body: { name: 42 }, field: 'body.name' },
      ...[
        'Ada\u0000',
        '\u001b[2JAda',
        'Ada\r\nBcc: all',
        'Ada\u202eecalevol',
        '\ud800 Zed',
        '\u200b\u200d\ufeff',
      ].map((name) => ({ route: '/accounts', path: '/accounts', body: { name }, field: 'body.name' })),
      ...['clé-1', 'k'.repeat(256), ''].map((key) => ({
        route: '/accounts',
        path: '/accounts',
        body: { name: 'A' },
        headers: { 'Idempotency-Key': key },
        field: 'headers.Idempotency-Key',
      })),
      { route: '/accounts', path: '/accounts', rawBody: '{"name": "A"', field: 'body' },
      { route: '/accounts', path: '/accounts', rawBody: '', field: 'body' },
      { route: '/accounts', path: '/accounts', rawBody: '[{"name":"A"}]', field: 'body' },
      ...[1.5, -1, 0, 1_000_000_000_001, '100', null].map((amount) => ({
        route: '/accounts/{id}/deposits',
        path: `/accounts/${account}/deposits`,
        body: { amount },
        field: 'body.amount',
      })),
      {
        route: '/accounts/{id}/withdrawals',
        path: `/accounts/${account}/withdrawals`,
        body: {},
        field: 'body.amount',
      },
      {
        route: '/accounts/{id}/deposits',
        path: '/accounts/not-a-uuid/deposits',
        body: { amount: 5 },
        field: 'path.id',
      },
      {
        route: '/accounts/{id}/transfers',
        path: `/accounts/${account}/transfers`,
        body: { toAccountId: 'nope', amount: 5 },
        field: 'body.toAccountId',
      },
      {
        route: '/accounts/{id}/transfers',
        path: `/accounts/${account}/transfers`,
        body: { toAccountId: account.toUpperCase(), amount: 5 },
        field: 'body.toAccountId',
      },
    ];
    for (const testCase of cases) {
      const response = await call('POST', testCase.route, testCase.path, {
        ...(testCase.rawBody !== undefined ? { rawBody: testCase.rawBody } : { body: testCase.body }),
        ...(testCase.headers ? { headers: testCase.headers } : {}),
      });
      expect(response.status, JSON.stringify(testCase)).toBe(400);
      const body = response.body as { error: string; details: { path: string; message: string }[] };
      expect(body.error).toBe('validation_failed');
      expect(
        body.details.map((detail) => detail.path),
        JSON.stringify(testCase),
      ).toContain(testCase.field);
    }
    expect(await recordsInTopic()).toBe(before);
  });

  it('refuses a request that sends Idempotency-Key twice, and publishes nothing', async () => {
    const before = await recordsInTopic();
    // fetch folds repeated headers into one; node:http sends each value on a line of its own.
    const response = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const request = httpRequest(`${offline.url}/accounts`, { method: 'POST' }, (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (text += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body: JSON.parse(text) }));
      });
      request.on('error', reject);
      request.setHeader('x-api-key', offline.apiKey);
      request.setHeader('authorization', `Bearer ${token}`);
      request.setHeader('content-type', 'application/json');
      request.setHeader('Idempotency-Key', ['first-key', 'second-key']);
      request.end(JSON.stringify({ name: 'Twice' }));
    });
    expect(response.status).toBe(400);
    expect(contractViolations('/accounts', 'POST', response.status, response.body)).toEqual([]);
    expect(response.body).toEqual({
      error: 'validation_failed',
      details: [
        { path: 'headers.Idempotency-Key', message: 'must be sent once; the request carried it 2 times' },
      ],
    });
    expect(await recordsInTopic()).toBe(before);
  });

  it('stores names in Unicode NFC, so one name is one string however it was typed', async () => {
    const opened = await call('POST', '/accounts', '/accounts', { body: { name: '\u200bZoe\u0308 ' } });
    expect(opened.status).toBe(202);
    const { accountId } = opened.body as { accountId: string };
    const records = await readBack(kafka, topic, (await recordsInTopic()) || 1);
    const event = records
      .map((record) => decodeEvent(record.value ?? null))
      .find((r) => r.ok && r.event.accountId === accountId);
    expect(event?.ok && event.event.data).toMatchObject({ name: 'Zo\u00eb' });
  });

  it('refuses a request without the API key', async () => {
    const response = await call('POST', '/accounts', '/accounts', { body: { name: 'A' }, apiKey: null });
    expect(response.status).toBe(403);
    const wrong = await call('POST', '/accounts', '/accounts', { body: { name: 'A' }, apiKey: 'wrong' });
    expect(wrong.status).toBe(403);
  });
});
