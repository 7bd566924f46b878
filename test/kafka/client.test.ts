import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_TIMEOUTS, kafkaClientOptionsFromEnv, kafkajsConfig } from '../../lib/kafka/client.js';
import { KafkaConfigError } from '../../lib/kafka/errors.js';
import { type MskApiEndpoint, startMskApi } from '../../localstack/msk-api/server.js';

// The AWS SDK and the MSK signer read credentials and endpoints from process.env, as on Lambda.
const saved = { ...process.env };
const setAwsEnv = (values: Record<string, string>) => Object.assign(process.env, values);
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const newClusterArn = (region = 'eu-west-1'): string =>
  `arn:aws:kafka:${region}:123456789012:cluster/banku-${randomUUID().slice(0, 8)}/${randomUUID()}-3`;

describe('kafkajsConfig', () => {
  it('connects to the local broker in plaintext with every timeout and retry setting explicit', () => {
    const config = kafkajsConfig({ brokers: ['127.0.0.1:9092'], auth: { mechanism: 'plaintext' } });

    expect(config).toMatchObject({
      clientId: 'banku',
      brokers: ['127.0.0.1:9092'],
      connectionTimeout: DEFAULT_KAFKA_TIMEOUTS.connectionTimeoutMs,
      authenticationTimeout: DEFAULT_KAFKA_TIMEOUTS.authenticationTimeoutMs,
      requestTimeout: DEFAULT_KAFKA_TIMEOUTS.requestTimeoutMs,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000, multiplier: 2, factor: 0.2 },
    });
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
  });

  it('uses TLS and SASL/OAUTHBEARER with an MSK IAM token signed for the region', async () => {
    setAwsEnv({ AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST', AWS_SECRET_ACCESS_KEY: 'local-secret' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const config = kafkajsConfig({
      brokers: ['b-1.banku.kafka.eu-west-1.amazonaws.com:9098'],
      auth: { mechanism: 'msk-iam', region: 'eu-west-1' },
      timeouts: { connectionTimeoutMs: 300 },
    });

    expect(config.ssl).toBe(true);
    expect(config.connectionTimeout).toBe(300);
    const sasl = config.sasl as { mechanism: string; oauthBearerProvider?: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    const { value } = (await sasl.oauthBearerProvider?.()) ?? { value: '' };
    const signed = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(signed.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(signed.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(signed.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDLOCALTEST\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
  });
});

describe('kafkaClientOptionsFromEnv', () => {
  let api: MskApiEndpoint;
  beforeAll(async () => {
    api = await startMskApi();
  });
  afterAll(() => api.stop());

  it('uses KAFKA_BROKERS in plaintext, without asking AWS, even when MSK_CLUSTER_ARN is set', async () => {
    const clusterArn = newClusterArn();
    setAwsEnv({ AWS_ENDPOINT_URL_KAFKA: api.url });

    const options = await kafkaClientOptionsFromEnv({
      KAFKA_BROKERS: '127.0.0.1:9092',
      MSK_CLUSTER_ARN: clusterArn,
      AWS_LAMBDA_FUNCTION_NAME: 'banku-dev-deposit',
    });

    expect(options).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      auth: { mechanism: 'plaintext' },
      clientId: 'banku-dev-deposit',
      logLevel: 'warn',
    });
    expect(api.calls(clusterArn)).toBe(0);
  });

  it('resolves MSK_CLUSTER_ARN through the API named by AWS_ENDPOINT_URL_KAFKA and signs with IAM', async () => {
    const clusterArn = newClusterArn('ap-southeast-2');
    api.putCluster(clusterArn, { bootstrapBrokerStringSaslIam: 'b-1.local:9098,b-2.local:9098' });
    setAwsEnv({
      AWS_ENDPOINT_URL_KAFKA: api.url,
      AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
    });

    const fromArn = await kafkaClientOptionsFromEnv({ MSK_CLUSTER_ARN: clusterArn, KAFKA_BROKERS: '' });
    const fromLambda = await kafkaClientOptionsFromEnv({
      MSK_CLUSTER_ARN: clusterArn,
      AWS_REGION: 'eu-west-1',
    });

    expect(fromArn).toMatchObject({
      brokers: ['b-1.local:9098', 'b-2.local:9098'],
      auth: { mechanism: 'msk-iam', region: 'ap-southeast-2' },
    });
    expect(fromLambda.auth).toEqual({ mechanism: 'msk-iam', region: 'eu-west-1' });
    expect(api.calls(clusterArn)).toBe(1);
  });

  it('names the variable to fix', async () => {
    await expect(
      kafkaClientOptionsFromEnv({ KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_AUTH: 'scram' }),
    ).rejects.toThrow(/KAFKA_AUTH: expected "plaintext" or "msk-iam"/);
    await expect(
      kafkaClientOptionsFromEnv({ KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_AUTH: 'msk-iam' }),
    ).rejects.toThrow(KafkaConfigError);
    await expect(
      kafkaClientOptionsFromEnv({ KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_LOG_LEVEL: 'loud' }),
    ).rejects.toThrow(/KAFKA_LOG_LEVEL/);
  });
});
