import { randomUUID } from 'node:crypto';
import type { KafkaClientConfig } from '@aws-sdk/client-kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrapOptionsFromEnv,
  parseBrokerList,
  parseClusterArn,
  resolveBootstrapBrokers,
} from '../../lib/kafka/bootstrap-brokers.js';
import { BootstrapBrokersLookupError, KafkaConfigError } from '../../lib/kafka/errors.js';
import { type MskApiEndpoint, startMskApi } from '../../localstack/msk-api/server.js';
import { startSilentServer } from '../support/silent-server.js';

// Each test uses its own cluster ARN: the lookup cache lives at module scope, as it does in Lambda.
const newClusterArn = (): string =>
  `arn:aws:kafka:eu-west-1:123456789012:cluster/banku-${randomUUID().slice(0, 8)}/${randomUUID()}-3`;

describe('resolveBootstrapBrokers against a local MSK API endpoint', () => {
  let api: MskApiEndpoint;
  let mskClient: KafkaClientConfig;

  beforeAll(async () => {
    api = await startMskApi();
    mskClient = {
      endpoint: api.url,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    };
  });
  afterAll(() => api.stop());

  it('asks for the cluster by its URL-encoded ARN and returns the SASL/IAM brokers', async () => {
    const clusterArn = newClusterArn();
    api.putCluster(clusterArn, {
      bootstrapBrokerString: 'b-1.local:9092',
      bootstrapBrokerStringTls: 'b-1.local:9094',
      bootstrapBrokerStringSaslIam: 'b-1.local:9098,b-2.local:9098',
    });

    const brokers = await resolveBootstrapBrokers({ clusterArn, mskClient });

    expect(brokers).toEqual(['b-1.local:9098', 'b-2.local:9098']);
    const request = api.requests.find((r) => r.clusterArn === clusterArn);
    expect(request?.method).toBe('GET');
    expect(request?.rawPath).toBe(`/v1/clusters/${encodeURIComponent(clusterArn)}/bootstrap-brokers`);
    expect(request?.rawPath).toContain('%2F');
    expect(request?.signed).toBe(true);
  });

  it('calls the API once per cluster, also for concurrent cold-start callers', async () => {
    const clusterArn = newClusterArn();
    api.putCluster(clusterArn, { bootstrapBrokerStringSaslIam: 'b-1.local:9098' });

    const first = await Promise.all([
      resolveBootstrapBrokers({ clusterArn, mskClient }),
      resolveBootstrapBrokers({ clusterArn, mskClient }),
    ]);
    const later = await resolveBootstrapBrokers({ clusterArn, mskClient });

    expect(first).toEqual([['b-1.local:9098'], ['b-1.local:9098']]);
    expect(later).toEqual(['b-1.local:9098']);
    expect(api.calls(clusterArn)).toBe(1);
  });

  it('turns a 404 NotFoundException into a typed, non-retriable error naming the ARN and the variable', async () => {
    const clusterArn = newClusterArn();

    const error = await resolveBootstrapBrokers({ clusterArn, mskClient }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BootstrapBrokersLookupError);
    const lookup = error as BootstrapBrokersLookupError;
    expect(lookup.awsErrorName).toBe('NotFoundException');
    expect(lookup.httpStatusCode).toBe(404);
    expect(lookup.retriable).toBe(false);
    expect(lookup.clusterArn).toBe(clusterArn);
    expect(lookup.message).toContain(clusterArn);
    expect(lookup.message).toContain('MSK_CLUSTER_ARN');
  });

  it('does not cache a failure: the next call asks again and succeeds', async () => {
    const clusterArn = newClusterArn();
    api.putCluster(clusterArn, { bootstrapBrokerStringSaslIam: 'b-1.local:9098' });
    api.failNext(clusterArn, { status: 503, errorType: 'ServiceUnavailableException' });

    const error = await resolveBootstrapBrokers({ clusterArn, mskClient }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootstrapBrokersLookupError);
    expect((error as BootstrapBrokersLookupError).retriable).toBe(true);
    expect((error as BootstrapBrokersLookupError).awsErrorName).toBe('ServiceUnavailableException');

    await expect(resolveBootstrapBrokers({ clusterArn, mskClient })).resolves.toEqual(['b-1.local:9098']);
    await expect(resolveBootstrapBrokers({ clusterArn, mskClient })).resolves.toEqual(['b-1.local:9098']);
    expect(api.calls(clusterArn)).toBe(2);
  });

  it('reports access denied as a permission to grant', async () => {
    const clusterArn = newClusterArn();
    api.failNext(clusterArn, { status: 403, errorType: 'ForbiddenException', message: 'denied' });

    const error = await resolveBootstrapBrokers({ clusterArn, mskClient }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BootstrapBrokersLookupError);
    expect((error as Error).message).toContain('kafka:GetBootstrapBrokers');
    expect((error as BootstrapBrokersLookupError).retriable).toBe(false);
  });

  it('rejects a cluster without IAM client authentication', async () => {
    const clusterArn = newClusterArn();
    api.putCluster(clusterArn, { bootstrapBrokerStringTls: 'b-1.local:9094' });

    const error = await resolveBootstrapBrokers({ clusterArn, mskClient }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BootstrapBrokersLookupError);
    expect((error as Error).message).toMatch(/no SASL\/IAM bootstrap brokers/);
  });

  it('reports an unreachable API as retriable', async () => {
    const down = await startMskApi();
    const url = down.url;
    await down.stop();

    const error = await resolveBootstrapBrokers({
      clusterArn: newClusterArn(),
      mskClient: { ...mskClient, endpoint: url },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BootstrapBrokersLookupError);
    expect((error as BootstrapBrokersLookupError).retriable).toBe(true);
    expect((error as BootstrapBrokersLookupError).httpStatusCode).toBeUndefined();
  });

  it('gives up on an API that accepts and never answers, as retriable, and asks again next time', async () => {
    const silent = await startSilentServer();
    try {
      const options = { clusterArn: newClusterArn(), mskClient: { ...mskClient, endpoint: silent.url } };
      const started = performance.now();
      const error = await resolveBootstrapBrokers(options).catch((e: unknown) => e);
      // One attempt of the 3 s request timeout, with slack for a busy machine.
      expect(performance.now() - started).toBeLessThan(8_000);
      expect(error).toBeInstanceOf(BootstrapBrokersLookupError);
      expect((error as BootstrapBrokersLookupError).retriable).toBe(true);
      await resolveBootstrapBrokers(options).catch(() => undefined);
      expect(silent.requests()).toBe(2);
    } finally {
      await silent.close();
    }
  });

  it('uses KAFKA_BROKERS without calling AWS when both are set', async () => {
    const clusterArn = newClusterArn();
    api.putCluster(clusterArn, { bootstrapBrokerStringSaslIam: 'b-1.local:9098' });
    const options = bootstrapOptionsFromEnv({
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
      MSK_CLUSTER_ARN: clusterArn,
    });

    await expect(resolveBootstrapBrokers({ ...options, mskClient })).resolves.toEqual([
      '127.0.0.1:9092',
      '127.0.0.1:9093',
    ]);
    expect(api.calls(clusterArn)).toBe(0);
  });
});

describe('bootstrap settings', () => {
  it('names both variables when neither is set', async () => {
    const error = await resolveBootstrapBrokers(bootstrapOptionsFromEnv({ KAFKA_BROKERS: '' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaConfigError);
    expect((error as Error).message).toContain('KAFKA_BROKERS');
    expect((error as Error).message).toContain('MSK_CLUSTER_ARN');
  });

  it('rejects malformed broker lists and ARNs with the variable name', () => {
    expect(() => parseBrokerList('localhost')).toThrow(/KAFKA_BROKERS: .*"localhost"/);
    expect(() => parseBrokerList('a:99999')).toThrow(KafkaConfigError);
    expect(() => parseBrokerList(' , ')).toThrow(/KAFKA_BROKERS/);
    expect(parseBrokerList('[::1]:9092,b-1.x.kafka.eu-west-1.amazonaws.com:9098')).toEqual([
      '[::1]:9092',
      'b-1.x.kafka.eu-west-1.amazonaws.com:9098',
    ]);
    expect(() => parseClusterArn('arn:aws:s3:::bucket')).toThrow(/MSK_CLUSTER_ARN: .*not an MSK cluster ARN/);
    expect(parseClusterArn('arn:aws:kafka:eu-west-1:123456789012:cluster/banku/abc-1')).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '123456789012',
      clusterName: 'banku',
      clusterUuid: 'abc-1',
    });
  });
});
