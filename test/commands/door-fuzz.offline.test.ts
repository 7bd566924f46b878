import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import { createPublisher } from '../../lib/kafka/producer.js';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { bankEvents } from '../support/bank-events.js';
import { apiClient } from '../support/http-client.js';
import { testToken } from '../support/tokens.js';
import {
  anyJsonValue,
  headerValue,
  loneSurrogate,
  nastyString,
  numberLiteral,
} from '../support/nasty-input.js';
import { contractViolations } from '../support/openapi.js';

const FUZZ_CUSTOMER = { kind: 'customer', subject: 'fuzz-customer' } as const;
import { testRedis } from '../support/redis.js';

const PARTITIONS = 3;
// Requests per route; FUZZ_RUNS raises it for a longer hunt.
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** The partition the producer's partitioner (murmur2 on the key, as Kafka's Java client) picks. */
function partitionOf(key: string): number {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  return partitioner({
    topic: 't',
    partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}

// A path segment as a client could send it: a UUID, or any bytes percent-encoded (invalid UTF-8 too).
const percentEncoded = (bytes: Uint8Array) =>
  [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const segment = (known: fc.Arbitrary<string>) =>
  fc.oneof(
    known,
    known.map((id) => id.toUpperCase()),
    fc.uuid(),
    nastyString.map((text) => encodeURIComponent(text.replace(LONE, '\ufffd'))),
    fc.uint8Array({ maxLength: 40 }).map(percentEncoded),
  );

const optionalHeaders = fc.record(
  {
    'Idempotency-Key': fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 64 }) },
      { weight: 1, arbitrary: headerValue },
    ),
    'x-correlation-id': headerValue,
    traceparent: headerValue,
  },
  { requiredKeys: [] },
);

// A body: mostly the route's own fields holding anything, sometimes raw text (number literals
// `JSON.stringify` never writes, invalid JSON, bytes that are not UTF-8).
const body = (fields: Record<string, fc.Arbitrary<string>>) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(fields, { requiredKeys: [] }).map(
        (raw) =>
          `{${Object.entries(raw)
            .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
            .join(',')}}`,
      ),
    },
    { weight: 1, arbitrary: anyJsonValue.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: nastyString },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    },
  );
const json = (value: fc.Arbitrary<unknown>) => value.map((v) => JSON.stringify(v) ?? 'null');
const anyField = fc.oneof(json(nastyString), numberLiteral, json(anyJsonValue));
// Values the door should let through, so that odd but valid content reaches the log and the projector:
// names from every Unicode plane and script, amounts across their whole range.
const validName = json(
  fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  ),
);
const validAmount = json(fc.integer({ min: 1, max: 1_000_000_000_000 }));
const field = (valid: fc.Arbitrary<string>) => fc.oneof(valid, anyField);

interface FuzzRequest {
  method: 'GET' | 'POST';
  route: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

describe(
  'the door under fuzzed input, through serverless-offline with the projector running',
  { timeout: 600_000 },
  () => {
    const topicPrefix = `fuzz-${randomUUID()}`;
    const topic = topicName('commands', topicPrefix);
    let offline: RunningOffline;
    let call: ReturnType<typeof apiClient>;
    let token: string;
    let cleanupRedis: () => Promise<void>;
    const accounts: string[] = [];
    const accepted: { route: string; transactionId: string }[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let bypassed = 0;

    beforeAll(async () => {
      await localStackControl().createTopicSet(topicPrefix, PARTITIONS);
      const redis = await testRedis('fuzz');
      cleanupRedis = redis.cleanup;
      offline = await startOffline({
        env: {
          KAFKA_TOPIC_PREFIX: topicPrefix,
          REDIS_KEY_PREFIX: redis.prefix,
          PROJECTOR_GROUP_ID: `projector-${topicPrefix}`,
        },
        readyWhen: [/offline-msk: .* joined/],
        onOutput: (line) => {
          if (process.env.DEBUG_OFFLINE || /ERROR|"WARN"|Unhandled/.test(line))
            console.error(`[offline] ${line.slice(0, 400)}`);
        },
      });
      token = await testToken({ sub: FUZZ_CUSTOMER.subject });
      call = apiClient(offline.url, offline.apiKey, token);
      // Every function once before the fuzz: serverless-offline starts a worker on a function's first
      // call, and on a busy machine that cold start alone can outlast the 10 s timeout (a 504 that says
      // nothing about the service).
      const someone = randomUUID();
      for (const [method, path, payload] of [
        ['POST', '/accounts', { name: 'Warm Up' }],
        ['POST', `/accounts/${someone}/deposits`, { amount: 1 }],
        ['POST', `/accounts/${someone}/withdrawals`, { amount: 1 }],
        ['POST', `/accounts/${someone}/transfers`, { toAccountId: randomUUID(), amount: 1 }],
        ['GET', `/accounts/${someone}`],
        ['GET', `/accounts/${someone}/transactions`],
        ['GET', `/transactions/${someone}`],
      ] as const) {
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const response = await fetch(`${offline.url}${path}`, {
            method,
            headers: {
              'x-api-key': offline.apiKey,
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
            },
            ...(payload ? { body: JSON.stringify(payload) } : {}),
          });
          await response.arrayBuffer();
          if (response.status < 500) break;
        }
      }
      for (const name of ['Fuzz Target A', 'Fuzz Target B']) {
        const opened = await call('POST', '/accounts', '/accounts', { body: { name } });
        accounts.push((opened.body as { accountId: string }).accountId);
      }
    }, 180_000);

    afterAll(async () => {
      await offline?.stop();
      await cleanupRedis?.();
    });

    // As a client would: a 503 is an answer (the store was slow; this machine is shared), and the same
    // request is sent again after Retry-After. Any other 5xx, or a 503 that does not clear, fails.
    const send = async (request: FuzzRequest) => {
      sent += 1;
      for (let attempt = 1; ; attempt += 1) {
        const response = await fetch(`${offline.url}${request.path}`, {
          method: request.method,
          headers: {
            'x-api-key': offline.apiKey,
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            ...request.headers,
          },
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const shown = `${request.method} ${request.path} ${JSON.stringify(request.headers)} ${JSON.stringify(request.body)} → ${response.status} ${text}`;
        // Answered by Banku (not by the gateway's routing): it must keep the contract.
        if (response.headers.has('x-correlation-id')) {
          const parsed: unknown = JSON.parse(text);
          expect(contractViolations(request.route, request.method, response.status, parsed), shown).toEqual(
            [],
          );
          if (response.status === 202) {
            accepted.push({
              route: request.route,
              transactionId: (parsed as { transactionId: string }).transactionId,
            });
          }
        }
        if (response.status === 503 && attempt < 3) {
          const retryAfter = Number(response.headers.get('retry-after'));
          expect(retryAfter, shown).toBeGreaterThanOrEqual(1);
          await new Promise((resolve) => setTimeout(resolve, retryAfter * 1_000));
          continue;
        }
        expect(response.status, shown).toBeLessThan(500);
        return;
      }
    };

    it('answers every fuzzed request of every route with a 2xx or a 4xx that keeps the contract', async () => {
      const known = fc.constantFrom(...accounts);
      const routes: fc.Arbitrary<FuzzRequest>[] = [
        fc
          .record({
            headers: optionalHeaders,
            body: body({ name: field(validName), currency: field(json(fc.constantFrom('USD', 'EUR'))) }),
          })
          .map(({ headers, body }) => ({
            method: 'POST' as const,
            route: '/accounts',
            path: '/accounts',
            headers,
            body,
          })),
        ...(['deposits', 'withdrawals'] as const).map((kind) =>
          fc
            .record({
              id: segment(known),
              headers: optionalHeaders,
              body: body({ amount: field(validAmount) }),
            })
            .map(({ id, headers, body }) => ({
              method: 'POST' as const,
              route: `/accounts/{id}/${kind}`,
              path: `/accounts/${id}/${kind}`,
              headers,
              body,
            })),
        ),
        fc
          .record({
            id: segment(known),
            headers: optionalHeaders,
            body: body({
              toAccountId: fc.oneof(json(known), json(fc.uuid()), anyField),
              amount: field(validAmount),
            }),
          })
          .map(({ id, headers, body }) => ({
            method: 'POST' as const,
            route: '/accounts/{id}/transfers',
            path: `/accounts/${id}/transfers`,
            headers,
            body,
          })),
        segment(known).map((id) => ({
          method: 'GET' as const,
          route: '/accounts/{id}',
          path: `/accounts/${id}`,
          headers: {},
        })),
        fc
          .record(
            {
              id: segment(known),
              limit: fc.oneof(numberLiteral, segment(fc.constant('10'))),
              cursor: segment(fc.constant('MQ')),
            },
            { requiredKeys: ['id'] },
          )
          .map(({ id, limit, cursor }) => {
            const query = [
              limit === undefined ? '' : `limit=${limit}`,
              cursor === undefined ? '' : `cursor=${cursor}`,
            ]
              .filter(Boolean)
              .join('&');
            return {
              method: 'GET' as const,
              route: '/accounts/{id}/transactions',
              path: `/accounts/${id}/transactions${query ? `?${query}` : ''}`,
              headers: {},
            };
          }),
        segment(fc.uuid()).map((id) => ({
          method: 'GET' as const,
          route: '/transactions/{transactionId}',
          path: `/transactions/${id}`,
          headers: {},
        })),
      ];
      await Promise.all(
        routes.map((requests) =>
          fc.assert(fc.asyncProperty(requests, send), { numRuns: RUNS, endOnFailure: true }),
        ),
      );
      expect(sent).toBeGreaterThanOrEqual(RUNS * routes.length);
      expect(accepted.length).toBeGreaterThan(0);
    });

    it('applies records that bypassed the door, whatever their names hold', async () => {
      // A producer other than the API (a replay, a tool, an older version) may write names the door refuses.
      const names = [
        '\ud800 Zed',
        ...fc.sample(
          fc.oneof(
            nastyString,
            loneSurrogate.map((half) => `${half} Zed`),
          ),
          40,
        ),
      ];
      const publisher = createPublisher({
        client: { brokers: (process.env.KAFKA_BROKERS ?? '').split(','), auth: { mechanism: 'plaintext' } },
      });
      // From the customer the API calls are made as, so that they may read what it opened.
      const events = bankEvents(() => new Date().toISOString(), FUZZ_CUSTOMER);
      const opened: { accountId: string; transactionId: string; name: string }[] = [];
      try {
        for (const name of names) {
          const event = events.open(
            randomUUID(),
            'USD',
            name.trim() === '' ? `${name}x` : name.slice(0, 100),
          );
          const encoded = (() => {
            try {
              return encodeEvent(event);
            } catch {
              return undefined; // a name even the log's schema refuses is not a record anyone can write
            }
          })();
          if (encoded === undefined) continue;
          await publisher.publish([
            { topic, key: event.accountId, value: encoded, headers: kafkaHeaders(event) },
          ]);
          opened.push({
            accountId: event.accountId,
            transactionId: event.data.transactionId,
            // As the log holds it: the event schema trims.
            name: (JSON.parse(encoded) as { data: { name: string } }).data.name,
          });
        }
      } finally {
        await publisher.disconnect();
      }
      sent += opened.length;
      bypassed = opened.length;
      expect(opened.length).toBeGreaterThan(30);
      for (const { accountId, transactionId } of opened) {
        accepted.push({ route: 'kafka', transactionId });
        const deadline = Date.now() + 60_000;
        let response = await call('GET', '/accounts/{id}', `/accounts/${accountId}`);
        while (response.status === 404 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          response = await call('GET', '/accounts/{id}', `/accounts/${accountId}`);
        }
        expect(response.status).toBe(200);
      }
      const withHalf = opened.find(({ name }) => HAS_LONE.test(name));
      if (withHalf) {
        const read = await call('GET', '/accounts/{id}', `/accounts/${withHalf.accountId}`);
        expect((read.body as { name: string }).name).toBe(withHalf.name.trim().replace(LONE, '\ufffd'));
      }
    });

    it('leaves no partition stalled: a canary opens and deposits on every partition, and nothing stays pending', async () => {
      const canaries = new Map<number, string[]>();
      for (let attempt = 0; canaries.size < PARTITIONS && attempt < 60; attempt += 1) {
        const opened = await call('POST', '/accounts', '/accounts', { body: { name: `Canary ${attempt}` } });
        const { accountId, transactionId } = opened.body as { accountId: string; transactionId: string };
        if (canaries.has(partitionOf(accountId))) continue;
        const deposit = await call('POST', '/accounts/{id}/deposits', `/accounts/${accountId}/deposits`, {
          body: { amount: 100 },
        });
        canaries.set(partitionOf(accountId), [
          transactionId,
          (deposit.body as { transactionId: string }).transactionId,
        ]);
      }
      expect([...canaries.keys()].sort()).toEqual([0, 1, 2]);

      const settled = async (transactionId: string) => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const response = await call(
            'GET',
            '/transactions/{transactionId}',
            `/transactions/${transactionId}`,
          );
          const status =
            response.status === 200 ? (response.body as { status: string }).status : String(response.status);
          if (status === 'applied' || status === 'rejected' || Date.now() > deadline) return status;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      const stalled: number[] = [];
      for (const [partition, transactions] of canaries) {
        for (const transactionId of transactions) {
          if ((await settled(transactionId)) !== 'applied') stalled.push(partition);
        }
      }
      const unsettled: string[] = [];
      for (const { route, transactionId } of accepted) {
        const status = await settled(transactionId);
        if (status !== 'applied' && status !== 'rejected')
          unsettled.push(`${route} ${transactionId}: ${status}`);
      }
      console.log(
        `door fuzz: ${sent} records fuzzed (${sent - bypassed} over HTTP, ${bypassed} straight to Kafka), ` +
          `${accepted.length} accepted, HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
          `partitions stalled ${new Set(stalled).size} of ${PARTITIONS}`,
      );
      expect(stalled).toEqual([]);
      expect(unsettled).toEqual([]);
    });
  },
);
