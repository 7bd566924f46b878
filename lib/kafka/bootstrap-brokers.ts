import type { KafkaClientConfig } from '@aws-sdk/client-kafka';
import { BootstrapBrokersLookupError, KafkaConfigError } from './errors.js';

/**
 * Where the bootstrap brokers come from: a literal list, or the MSK cluster to ask.
 *
 * @example
 * ```ts
 * const options: BootstrapBrokersOptions = { clusterArn, mskClient: { endpoint: 'http://127.0.0.1:4566' } };
 * ```
 */
export interface BootstrapBrokersOptions {
  /** Comma-separated `host:port` list (`KAFKA_BROKERS`). When set, no AWS call is made. */
  brokers?: string | undefined;
  /** MSK cluster ARN (`MSK_CLUSTER_ARN`), asked for its SASL/IAM bootstrap string when `brokers` is unset. */
  clusterArn?: string | undefined;
  /**
   * Extra settings for the MSK API client, e.g. `endpoint` and `credentials` for a local stand-in. The
   * region defaults to the cluster ARN's. The SDK also honours `AWS_ENDPOINT_URL_KAFKA`.
   */
  mskClient?: KafkaClientConfig | undefined;
}

/**
 * The parts of an MSK cluster ARN.
 *
 * @example
 * ```ts
 * const { region }: ClusterArnParts = parseClusterArn(process.env.MSK_CLUSTER_ARN ?? '');
 * ```
 */
export interface ClusterArnParts {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
  readonly clusterUuid: string;
}

const CLUSTER_ARN = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;
const BROKER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

// The MSK API is called on a cold start, inside the first request's time budget: fail in seconds, not
// after the SDK's default retries with no socket timeout.
const MSK_API_DEFAULTS: KafkaClientConfig = {
  maxAttempts: 2,
  // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and waits on: a hung API
  // would hold the cached lookup, and every publish of the container, for good.
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
};

// One lookup per container and cluster. A rejected lookup is evicted so the next call tries again.
const lookups = new Map<string, Promise<string[]>>();

/**
 * Splits and checks a `host:port[,host:port]` list.
 *
 * @example
 * ```ts
 * parseBrokerList('127.0.0.1:9092, 127.0.0.1:9093'); // ['127.0.0.1:9092', '127.0.0.1:9093']
 * ```
 */
export function parseBrokerList(value: string, setting = 'KAFKA_BROKERS'): string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) throw new KafkaConfigError(setting, 'is empty; expected host:port[,host:port]');
  for (const broker of brokers) {
    const match = BROKER.exec(broker);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      throw new KafkaConfigError(setting, `expected host:port[,host:port], got "${broker}"`);
    }
  }
  return brokers;
}

/**
 * Checks and splits an MSK cluster ARN (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`).
 *
 * @example
 * ```ts
 * parseClusterArn('arn:aws:kafka:eu-west-1:123456789012:cluster/banku/0b1c-2').region; // 'eu-west-1'
 * ```
 */
export function parseClusterArn(arn: string, setting = 'MSK_CLUSTER_ARN'): ClusterArnParts {
  const match = CLUSTER_ARN.exec(arn.trim());
  if (!match) {
    throw new KafkaConfigError(
      setting,
      `"${arn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
    );
  }
  const [, partition = '', region = '', accountId = '', clusterName = '', clusterUuid = ''] = match;
  return { partition, region, accountId, clusterName, clusterUuid };
}

/**
 * Reads `KAFKA_BROKERS` and `MSK_CLUSTER_ARN` (empty strings count as unset).
 *
 * @example
 * ```ts
 * const brokers = await resolveBootstrapBrokers(bootstrapOptionsFromEnv(process.env));
 * ```
 */
export function bootstrapOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BootstrapBrokersOptions {
  return { brokers: env.KAFKA_BROKERS || undefined, clusterArn: env.MSK_CLUSTER_ARN || undefined };
}

/**
 * The bootstrap brokers to connect to: `options.brokers` when given, otherwise the cluster's
 * `BootstrapBrokerStringSaslIam` from the MSK API (`GetBootstrapBrokers`), looked up once per container
 * and cluster. A failed lookup is not remembered, so the next call asks again.
 *
 * @throws {KafkaConfigError} neither setting is given, or one is malformed.
 * @throws {BootstrapBrokersLookupError} the MSK API failed or the cluster has no IAM listener.
 * @example
 * ```ts
 * // KAFKA_BROKERS=127.0.0.1:9092 locally; MSK_CLUSTER_ARN=arn:aws:kafka:... on AWS
 * const brokers = await resolveBootstrapBrokers(bootstrapOptionsFromEnv());
 * ```
 */
export async function resolveBootstrapBrokers(options: BootstrapBrokersOptions): Promise<string[]> {
  if (options.brokers !== undefined && options.brokers !== '') return parseBrokerList(options.brokers);
  if (options.clusterArn === undefined || options.clusterArn === '') {
    throw new KafkaConfigError(
      'KAFKA_BROKERS / MSK_CLUSTER_ARN',
      'neither is set; set KAFKA_BROKERS to host:port[,host:port] (local) or MSK_CLUSTER_ARN to the cluster ARN (AWS)',
    );
  }
  const clusterArn = options.clusterArn.trim();
  const arn = parseClusterArn(clusterArn);
  let lookup = lookups.get(clusterArn);
  if (!lookup) {
    lookup = lookUpSaslIamBrokers(clusterArn, arn.region, options.mskClient);
    lookups.set(clusterArn, lookup);
    lookup.catch(() => {
      if (lookups.get(clusterArn) === lookup) lookups.delete(clusterArn);
    });
  }
  return lookup;
}

async function lookUpSaslIamBrokers(
  clusterArn: string,
  region: string,
  config: KafkaClientConfig | undefined,
): Promise<string[]> {
  // Loaded only when brokers come from an ARN: local runs and KAFKA_BROKERS never pay for the SDK.
  const { GetBootstrapBrokersCommand, KafkaClient } = await import('@aws-sdk/client-kafka');
  const client = new KafkaClient({ region, ...MSK_API_DEFAULTS, ...config });
  let brokerString: string | undefined;
  try {
    const response = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
    brokerString = response.BootstrapBrokerStringSaslIam;
  } catch (error) {
    throw lookupError(error, clusterArn, region);
  } finally {
    client.destroy();
  }
  if (brokerString === undefined || brokerString.trim() === '') {
    throw new BootstrapBrokersLookupError(
      `MSK cluster ${clusterArn} has no SASL/IAM bootstrap brokers: enable IAM client authentication on the cluster, or set KAFKA_BROKERS`,
      { clusterArn, retriable: false },
    );
  }
  return parseBrokerList(brokerString, `BootstrapBrokerStringSaslIam of ${clusterArn}`);
}

interface AwsErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function lookupError(error: unknown, clusterArn: string, region: string): BootstrapBrokersLookupError {
  const aws = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const awsErrorName = aws.name;
  const status = aws.$metadata?.httpStatusCode;
  const detail = aws.message ? `: ${aws.message}` : '';
  const details = { clusterArn, awsErrorName, httpStatusCode: status, cause: error };
  if (awsErrorName === 'NotFoundException' || status === 404) {
    return new BootstrapBrokersLookupError(
      `MSK cluster ${clusterArn} not found in ${region} (MSK_CLUSTER_ARN); check the ARN and that the cluster exists${detail}`,
      { ...details, retriable: false },
    );
  }
  if (status === 401 || status === 403 || /AccessDenied|Forbidden|Unauthorized/.test(awsErrorName ?? '')) {
    return new BootstrapBrokersLookupError(
      `not allowed to call kafka:GetBootstrapBrokers on ${clusterArn}; grant it to the function's role${detail}`,
      { ...details, retriable: false },
    );
  }
  if (status === undefined) {
    return new BootstrapBrokersLookupError(
      `could not reach the MSK API in ${region} for ${clusterArn} (${awsErrorName ?? 'network error'})${detail}`,
      { ...details, retriable: true },
    );
  }
  const retriable = aws.$fault === 'server' || status === 429 || status >= 500 || Boolean(aws.$retryable);
  return new BootstrapBrokersLookupError(
    `MSK API GetBootstrapBrokers failed for ${clusterArn} (${awsErrorName ?? 'error'}, HTTP ${status})${detail}`,
    { ...details, retriable },
  );
}
