import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandAdmissions } from '../../lib/commands/admission.js';
import { commandHandler } from '../../lib/commands/command-handler.js';
import { depositRoute, openAccountRoute } from '../../lib/commands/command-routes.js';
import type { CommandDependencies } from '../../lib/commands/handle-command.js';
import { topicName, topicSet } from '../../lib/config/topics.js';
import { decodeEvent } from '../../lib/events/codec.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { type LocalKafka, startLocalKafka } from '../../localstack/kafka/broker.js';
import { localKafkaClientSettings } from '../../localstack/kafka/client-settings.js';
import { type MappingHandle, startMapping } from '../../localstack/offline-msk/mapping-runner.js';
import { HOLDER } from '../support/bank-events.js';
import { decidedTransaction, publishUnderPrefix } from '../support/project-log.js';
import { localKafkaClient, readBack, recordCount } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';
import { authorizedAs } from '../support/tokens.js';

const PUBLISH_TIMEOUT_MS = 1_000;
const SLOW_BROKER_RTT_MS = 1_500;
const DEPOSITS = 8;

const lambdaContext = (): Context => {
  const end = Date.now() + 14_000;
  return { getRemainingTimeInMillis: () => end - Date.now() } as Context;
};

const request = (body: unknown, pathParameters: Record<string, string> | null): APIGatewayProxyEvent =>
  ({
    httpMethod: 'POST',
    body: JSON.stringify(body),
    isBase64Encoded: false,
    headers: {},
    multiValueHeaders: {},
    pathParameters,
    requestContext: { requestId: randomUUID(), authorizer: authorizedAs(HOLDER) },
  }) as unknown as APIGatewayProxyEvent;

// A broker of its own: slowing the shared one would slow every other suite running meanwhile.
describe('a command whose publish is not confirmed (a slow broker, no Idempotency-Key)', () => {
  const topicPrefix = 'banku';
  const commandsTopic = topicName('commands', topicPrefix);
  let broker: LocalKafka;
  let commandPublisher: Publisher;
  let projectorPublisher: Publisher;
  let mapping: MappingHandle;
  let store: ProjectionStore;
  let dependencies: CommandDependencies;
  let cleanupRedis: () => Promise<void>;

  beforeAll(async () => {
    broker = await startLocalKafka({
      topics: topicSet(topicPrefix).map(({ name }) => ({ name, partitions: 3 })),
    });
    const brokers = broker.bootstrapServers.split(',');
    const redis = await testRedis('abandon');
    cleanupRedis = redis.cleanup;
    store = new ProjectionStore(redis.redis, redis.prefix);
    commandPublisher = createPublisher({
      client: { brokers, auth: { mechanism: 'plaintext' } },
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
    });
    projectorPublisher = createPublisher({ client: { brokers, auth: { mechanism: 'plaintext' } } });
    dependencies = {
      admissions: async () => new CommandAdmissions(redis.redis, redis.prefix),
      accountOwner: async (accountId) =>
        (await store.accountOwnership(await store.currentNamespace(), accountId))?.owner,
      publish: async (message) => {
        await commandPublisher.publish([message]);
      },
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      abandonTimeoutMs: 4_000,
      topic: commandsTopic,
    };
    const live: ProjectorOptions = {
      publish: (messages) => publishUnderPrefix(projectorPublisher, topicPrefix)(messages),
    };
    mapping = startMapping({
      brokers,
      clientSettings: { ...localKafkaClientSettings, logLevel: kafkajs.logLevel.NOTHING },
      mapping: {
        functionName: 'banku-test-abandon',
        topic: commandsTopic,
        batchSize: 100,
        maximumBatchingWindow: 0.05,
        startingPosition: 'TRIM_HORIZON',
        retry: { backoffBaseMs: 20, backoffMaxMs: 300 },
      },
      invoke: (event) => handleMskEvent(event, store, live),
    });
    await mapping.joined;
  }, 180_000);

  afterAll(async () => {
    await mapping?.stop();
    await commandPublisher?.disconnect();
    await projectorPublisher?.disconnect();
    await broker?.stop();
    await cleanupRedis?.();
  });

  const settled = (transactionId: string) => decidedTransaction(store, transactionId);

  it('answers 503 only for deposits that never take effect: each that reaches the log ends rejected abandoned, no balance moves', async () => {
    const deposit = commandHandler(depositRoute, dependencies);
    const opened = await commandHandler(openAccountRoute, dependencies)(
      request({ name: 'Abandon Target' }, null),
      lambdaContext(),
    );
    expect(opened.statusCode).toBe(202);
    const { accountId, transactionId: openId } = JSON.parse(opened.body) as {
      accountId: string;
      transactionId: string;
    };
    expect((await settled(openId)).status).toBe('applied');
    const first = await deposit(request({ amount: 1_000 }, { id: accountId }), lambdaContext());
    expect(first.statusCode).toBe(202);
    await settled((JSON.parse(first.body) as { transactionId: string }).transactionId);

    // Every round trip takes longer than the publish deadline: no publish is confirmed in time, yet
    // records do reach the log a little later (kafkajs does not take back a request it sent).
    await broker.inject({ type: 'rtt', rttMs: SLOW_BROKER_RTT_MS });
    const answers: { status: number; transactionId: string; amount: number }[] = [];
    try {
      for (let i = 0; i < DEPOSITS; i += 1) {
        const amount = 10 + i;
        const response = await deposit(request({ amount }, { id: accountId }), lambdaContext());
        const body = JSON.parse(response.body) as { transactionId?: string };
        expect(body.transactionId, response.body).toEqual(expect.any(String));
        answers.push({ status: response.statusCode, transactionId: body.transactionId ?? '', amount });
      }
    } finally {
      await broker.inject({ type: 'rtt', rttMs: 0 });
    }
    const refused = answers.filter(({ status }) => status === 503);
    expect(answers.every(({ status }) => status === 503 || status === 202)).toBe(true);
    expect(refused.length).toBeGreaterThan(DEPOSITS / 2);

    // Which of them reached the log, once the broker is fast again.
    const kafka = localKafkaClient(broker.bootstrapServers);
    let onLog = new Set<string>();
    for (let tries = 0; tries < 10; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const records = await readBack(kafka, commandsTopic, await recordCount(kafka, commandsTopic));
      onLog = new Set(
        records.flatMap((record) => {
          const decoded = decodeEvent(record.value ?? null);
          return decoded.ok ? [decoded.event.data.transactionId] : [];
        }),
      );
    }
    const outcomes = new Map(
      await Promise.all(
        answers
          .filter(({ transactionId }) => onLog.has(transactionId))
          .map(async ({ transactionId }) => [transactionId, await settled(transactionId)] as const),
      ),
    );
    const landed = refused.filter(({ transactionId }) => onLog.has(transactionId));
    const tookEffect = refused.filter(
      ({ transactionId }) => outcomes.get(transactionId)?.status === 'applied',
    );
    console.log(
      `slow broker: ${refused.length} of ${DEPOSITS} deposits answered 503, ${landed.length} of those ` +
        `reached the log anyway, ${tookEffect.length} took effect`,
    );
    expect(landed.length).toBeGreaterThan(0); // otherwise this test would prove nothing
    expect(tookEffect).toEqual([]);
    for (const { status, transactionId } of answers) {
      // A 503'd deposit that reached the log was rejected; a 202 (decided before its command could
      // abandon it) was applied.
      if (status === 503 && onLog.has(transactionId))
        expect(outcomes.get(transactionId)).toMatchObject({ status: 'rejected', reason: 'abandoned' });
      if (status === 202) expect(outcomes.get(transactionId)?.status).toBe('applied');
    }
    const accepted = answers
      .filter(({ status }) => status === 202)
      .reduce((sum, { amount }) => sum + amount, 0);
    const account = await store.getAccount(await store.currentNamespace(), accountId);
    expect(account?.balance).toBe(1_000 + accepted);
  }, 180_000);
});
