import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { logger } from '../../lib/logging/logger.js';
import { type MappingHandle, startMapping } from '../../localstack/offline-msk/mapping-runner.js';
import { localKafkaClientSettings } from '../../localstack/kafka/client-settings.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { localKafkaClient, readBack } from '../support/read-back.js';
import { HOLDER } from '../support/bank-events.js';
import { authorizedAs } from '../support/tokens.js';
import { testRedis } from '../support/redis.js';

// The deployed functions read their topic and key prefix from the environment: give this file its own.
const run = randomUUID().slice(0, 8);
process.env.KAFKA_TOPIC_PREFIX = `trace-${run}`;

// API Gateway with tracing on starts an X-Ray trace and hands it to the function in this variable.
const XRAY_ROOT = '1-6a1b2c3d-0123456789abcdef01234567';
const XRAY_HEADER = `Root=${XRAY_ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;
const TRACE_ID = '6a1b2c3d0123456789abcdef01234567';

type LogLine = Record<string, unknown> & { message: string };

describe('one transfer, followed by one trace id through the logs alone', () => {
  let mapping: MappingHandle;
  let cleanup: () => Promise<void>;
  const lines: LogLine[] = [];
  let handlers: Record<'openAccount' | 'deposit' | 'transfer' | 'getTransaction', Handler>;

  type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  /** Records the commands put on the topic. */
  let published = 0;

  beforeAll(async () => {
    const redis = await testRedis('trace');
    cleanup = redis.cleanup;
    process.env.REDIS_KEY_PREFIX = redis.prefix;
    await localStackControl().createTopicSet(process.env.KAFKA_TOPIC_PREFIX!, 3);
    // The functions as deployed, imported once the environment is set.
    handlers = {
      openAccount: (await import('../../functions/open-account.js')).handler,
      deposit: (await import('../../functions/deposit.js')).handler,
      transfer: (await import('../../functions/transfer.js')).handler,
      getTransaction: (await import('../../functions/get-transaction.js')).handler,
    };
    const { projectorHandler } = await import('../../lib/projector/lambda.js');
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const text of String(chunk).split('\n')) {
        if (text.startsWith('{') && text.includes('"message"')) lines.push(JSON.parse(text) as LogLine);
      }
      return true;
    });
    logger.setLogLevel('INFO');
    mapping = startMapping({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientSettings: { ...localKafkaClientSettings, logLevel: kafkajs.logLevel.NOTHING },
      mapping: {
        functionName: 'banku-trace-projectEvents',
        topic: topicName('commands'),
        batchSize: 100,
        maximumBatchingWindow: 0.05,
        startingPosition: 'TRIM_HORIZON',
      },
      invoke: (event) => projectorHandler(event),
    });
    await mapping.joined;
  }, 60_000);

  afterAll(async () => {
    await mapping?.stop();
    logger.setLogLevel('WARN');
    vi.restoreAllMocks();
    await cleanup?.();
  });

  const post = async (
    handler: Handler,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    pathParameters: Record<string, string> | null = null,
  ) => {
    const response = await handler(apiEvent('POST', path, headers, pathParameters, JSON.stringify(body)));
    expect(response.statusCode, response.body).toBe(202);
    published += 1;
    return { body: JSON.parse(response.body), correlationId: response.headers?.['x-correlation-id'] };
  };
  const settled = async (transactionId: string) => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const response = await handlers.getTransaction(
        apiEvent('GET', `/transactions/${transactionId}`, {}, { transactionId }),
      );
      if (response.statusCode === 200 && JSON.parse(response.body).status !== 'pending') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`transaction ${transactionId} did not settle`);
  };

  it('carries the POST’s trace id and correlation id to the lines of both accounts’ partitions', async () => {
    const kafka = localKafkaClient(process.env.KAFKA_BROKERS!);
    const partitionOf = kafkajs.Partitioners.DefaultPartitioner();
    const partition = (key: string) =>
      partitionOf({
        topic: topicName('commands'),
        partitionMetadata: [0, 1, 2].map((partitionId) => ({
          partitionId,
          leader: 0,
          partitionErrorCode: 0,
          replicas: [0],
          isr: [0],
        })),
        message: { key, value: null },
      });
    // Two accounts the default partitioner puts on different partitions.
    const a = await post(handlers.openAccount, '/accounts', { name: 'A', currency: 'EUR' });
    let b = await post(handlers.openAccount, '/accounts', { name: 'B', currency: 'EUR' });
    while (partition(b.body.accountId) === partition(a.body.accountId))
      b = await post(handlers.openAccount, '/accounts', { name: 'B', currency: 'EUR' });
    const deposit = await post(handlers.deposit, '', { amount: 1_000 }, {}, { id: a.body.accountId });
    await settled(deposit.body.transactionId);

    process.env._X_AMZN_TRACE_ID = XRAY_HEADER;
    const correlation = `transfer-${run}`;
    const transfer = await post(
      handlers.transfer,
      '',
      { toAccountId: b.body.accountId, amount: 250 },
      { 'x-correlation-id': correlation },
      { id: a.body.accountId },
    ).finally(() => delete process.env._X_AMZN_TRACE_ID);
    expect(transfer.correlationId).toBe(correlation);
    await settled(transfer.body.transactionId);

    // A batch's lines are written once its invocation ends, after its statuses: the credit's may follow
    // the status `settled` saw by a little.
    const projectedLines = () =>
      lines.filter(
        (line) => line.message === 'event projected' && line.transaction_id === transfer.body.transactionId,
      );
    const linesBy = Date.now() + 10_000;
    while (projectedLines().length < 2 && Date.now() < linesBy)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const projected = projectedLines();
    expect(projected.map((line) => line.event_type).sort()).toEqual([
      'TransferCreditRequested',
      'TransferRequested',
    ]);
    for (const line of projected)
      expect(line).toMatchObject({ trace_id: TRACE_ID, correlation_id: correlation });
    expect(new Set(projected.map((line) => line.topic_partition)).size).toBe(2);

    // What the projector published for B continues the request's trace, as a span of its own.
    // Every command's record, and the credit the projector published.
    const records = await readBack(kafka, topicName('commands'), published + 1);
    const debit = records.find((record) => record.headers['event-type'] === 'TransferRequested');
    const credit = records.find((record) => record.headers['event-type'] === 'TransferCreditRequested');
    expect(debit?.headers.traceparent).toBe(`00-${TRACE_ID}-53995c3f42cd8ad8-01`);
    expect(credit?.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(credit?.headers.traceparent).not.toBe(debit?.headers.traceparent);
  }, 60_000);
});

function apiEvent(
  httpMethod: string,
  path: string,
  headers: Record<string, string>,
  pathParameters: Record<string, string> | null,
  body: string | null = null,
): APIGatewayProxyEvent {
  return {
    httpMethod,
    path,
    resource: path,
    headers: { 'content-type': 'application/json', ...headers },
    multiValueHeaders: {},
    pathParameters,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      authorizer: authorizedAs(HOLDER),
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}
