import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandAdmissions } from '../../lib/commands/admission.js';
import { commandHandler } from '../../lib/commands/command-handler.js';
import { depositRoute } from '../../lib/commands/command-routes.js';
import type { CommandDependencies } from '../../lib/commands/handle-command.js';
import { ANSWER_MARGIN_MS } from '../../lib/http/deadline.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { localKafkaClient, recordCount } from '../support/read-back.js';
import { startSilentServer } from '../support/silent-server.js';
import { HOLDER } from '../support/bank-events.js';
import { authorizedAs } from '../support/tokens.js';
import { ProjectionStore } from '../../lib/projection/store.js';

const PUBLISH_TIMEOUT_MS = 1_000;
const ABANDON_TIMEOUT_MS = 500;

const lambdaContext = (remainingMs: number): Context => {
  const end = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => end - Date.now() } as Context;
};

const deposit = (accountId: string): APIGatewayProxyEvent =>
  ({
    httpMethod: 'POST',
    body: JSON.stringify({ amount: 500 }),
    isBase64Encoded: false,
    headers: { 'Idempotency-Key': `deadline-${randomUUID()}` },
    multiValueHeaders: {},
    pathParameters: { id: accountId },
    requestContext: { requestId: randomUUID(), authorizer: authorizedAs(HOLDER) },
  }) as unknown as APIGatewayProxyEvent;

describe('a command against a Redis that accepts and never answers', () => {
  const topic = `deadline-${randomUUID()}`;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let publisher: Publisher;
  let kafka: Kafka;
  let dependencies: CommandDependencies;

  beforeAll(async () => {
    await localStackControl().createTopic(topic, 1);
    silent = await startSilentServer();
    // A per-request deadline far past the function's: only the answer deadline can end the wait.
    const redis = await createRedisClient(
      { UPSTASH_REDIS_REST_URL: silent.url, UPSTASH_REDIS_REST_TOKEN: 't' },
      { requestTimeoutMs: 60_000 },
    );
    const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
    publisher = createPublisher({ client: { brokers, auth: { mechanism: 'plaintext' } } });
    kafka = localKafkaClient(process.env.KAFKA_BROKERS ?? '');
    const prefix = `test:deadline:${randomUUID().slice(0, 8)}`;
    dependencies = {
      admissions: async () => new CommandAdmissions(redis, prefix),
      accountOwner: async (accountId) =>
        (await new ProjectionStore(redis, prefix).accountOwnership('main', accountId))?.owner,
      publish: async (message) => {
        await publisher.publish([message]);
      },
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      abandonTimeoutMs: ABANDON_TIMEOUT_MS,
      topic,
    };
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await silent?.close();
  });

  it('answers 503 with Retry-After once only the publish and abandonment budgets are left, and publishes nothing', async () => {
    const remainingMs = 3_000;
    const handler = commandHandler(depositRoute, dependencies);
    const started = performance.now();
    const response = await handler(deposit(randomUUID()), lambdaContext(remainingMs));
    const elapsed = performance.now() - started;

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'Retry-After': '1' });
    expect(JSON.parse(response.body)).toMatchObject({ error: 'redis_unavailable' });
    // Refused when admission had used its share: the time left less the answer margin, the publish
    // budget and the abandonment's.
    const admissionShare = remainingMs - ANSWER_MARGIN_MS - PUBLISH_TIMEOUT_MS - ABANDON_TIMEOUT_MS;
    expect(elapsed).toBeGreaterThanOrEqual(admissionShare - 20);
    expect(elapsed).toBeLessThan(remainingMs - ANSWER_MARGIN_MS);
    expect(silent.requests()).toBeGreaterThan(0);
    expect(await recordCount(kafka, topic)).toBe(0);
  });

  it('does not start a publish it could not finish before the function times out', async () => {
    const handler = commandHandler(depositRoute, dependencies);
    const response = await handler(
      deposit(randomUUID()),
      lambdaContext(ANSWER_MARGIN_MS + PUBLISH_TIMEOUT_MS + ABANDON_TIMEOUT_MS),
    );
    expect(response.statusCode).toBe(503);
    expect(await recordCount(kafka, topic)).toBe(0);
  });
});
