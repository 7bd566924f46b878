import type { Logger } from '@aws-lambda-powertools/logger';
import kafkajs, { type KafkaConfig, type logCreator } from 'kafkajs';
import { logger as sharedLogger } from '../logging/logger.js';
import { bootstrapOptionsFromEnv, parseClusterArn, resolveBootstrapBrokers } from './bootstrap-brokers.js';
import { KafkaConfigError } from './errors.js';

/**
 * How the client proves who it is. `plaintext`: no TLS, no SASL (the local broker). `msk-iam`: TLS plus
 * SASL/OAUTHBEARER with a token signed by the function's IAM role (MSK port 9098).
 *
 * @example
 * ```ts
 * const auth: KafkaAuth = { mechanism: 'msk-iam', region: 'eu-west-1' };
 * ```
 */
export type KafkaAuth =
  { readonly mechanism: 'plaintext' } | { readonly mechanism: 'msk-iam'; readonly region: string };

/**
 * Names of the kafkajs log levels, lowest volume first.
 *
 * @example
 * ```ts
 * createKafka({ brokers, auth, logLevel: 'debug' satisfies KafkaLogLevel });
 * ```
 */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/**
 * Every wait of the Kafka client, in milliseconds. See {@link DEFAULT_KAFKA_TIMEOUTS} for the reasoning.
 *
 * @example
 * ```ts
 * const fast: Partial<KafkaTimeouts> = { connectionTimeoutMs: 300, retries: 0 };
 * ```
 */
export interface KafkaTimeouts {
  /** TCP (+TLS) connect to one broker. */
  readonly connectionTimeoutMs: number;
  /** SASL handshake and authentication on a new connection. */
  readonly authenticationTimeoutMs: number;
  /** Client-side wait for any response; must exceed the producer's broker-side ack timeout. */
  readonly requestTimeoutMs: number;
  /** Retries after the first attempt, at each kafkajs retry layer. */
  readonly retries: number;
  /** First backoff; later ones double (±20 % jitter) up to `maxRetryTimeMs`. */
  readonly initialRetryTimeMs: number;
  readonly maxRetryTimeMs: number;
}

/**
 * Production defaults, sized for an HTTP Lambda (API Gateway gives up at 29 s; a client should hear
 * 503 in a few seconds, not hang):
 * - connect 1 s: TCP+TLS to a broker in the same VPC takes milliseconds; a longer wait means it is gone.
 * - authentication 2 s: one SASL/OAUTHBEARER round trip with a locally signed IAM token.
 * - request 3 s: above the producer's broker-side ack timeout (2 s), so a slow ISR is reported by the
 *   broker (REQUEST_TIMED_OUT) before the client gives up on the socket.
 * - 2 retries at ~100 ms then ~200 ms: rides out a leader election or a broker restart's first seconds.
 *
 * kafkajs nests retriers (send → cluster connect → broker connect), so in the worst case (every
 * connect timing out) these multiply past a request's patience. The producer therefore also enforces a
 * hard per-publish deadline (`publishTimeoutMs`, 5 s) on top; see `producer.ts`.
 *
 * @example
 * ```ts
 * createKafka({ brokers, auth, timeouts: { ...DEFAULT_KAFKA_TIMEOUTS, connectionTimeoutMs: 300 } });
 * ```
 */
export const DEFAULT_KAFKA_TIMEOUTS: KafkaTimeouts = Object.freeze({
  connectionTimeoutMs: 1_000,
  authenticationTimeoutMs: 2_000,
  requestTimeoutMs: 3_000,
  retries: 2,
  initialRetryTimeMs: 100,
  maxRetryTimeMs: 1_000,
});

/**
 * Everything needed to build a Kafka client; library-neutral so callers never see kafkajs types.
 *
 * @example
 * ```ts
 * const local: KafkaClientOptions = { brokers: ['127.0.0.1:9092'], auth: { mechanism: 'plaintext' } };
 * ```
 */
export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly auth: KafkaAuth;
  /** Shown in broker logs and quotas. Default `banku`. */
  readonly clientId?: string;
  /** Overrides of {@link DEFAULT_KAFKA_TIMEOUTS}. */
  readonly timeouts?: Partial<KafkaTimeouts>;
  /** Least severe kafkajs message passed on. Default `warn`. */
  readonly logLevel?: KafkaLogLevel;
  /** Where kafkajs messages go. Default: the shared Powertools logger. */
  readonly logger?: Logger;
}

/**
 * The retry settings kafkajs expects, with every field set: kafkajs fills gaps from its own defaults,
 * which differ under `NODE_ENV=test` and, for an idempotent producer, mean retrying forever.
 *
 * @example
 * ```ts
 * kafka.producer({ idempotent: true, retry: kafkajsRetry(DEFAULT_KAFKA_TIMEOUTS) });
 * ```
 */
export function kafkajsRetry(timeouts: KafkaTimeouts) {
  return {
    retries: timeouts.retries,
    initialRetryTime: timeouts.initialRetryTimeMs,
    maxRetryTime: timeouts.maxRetryTimeMs,
    multiplier: 2,
    factor: 0.2,
  };
}

/**
 * The effective timeouts of a client: defaults with the options' overrides.
 *
 * @example
 * ```ts
 * resolveTimeouts({ retries: 0 }).connectionTimeoutMs; // 1000
 * ```
 */
export function resolveTimeouts(overrides: Partial<KafkaTimeouts> = {}): KafkaTimeouts {
  return { ...DEFAULT_KAFKA_TIMEOUTS, ...overrides };
}

const KAFKAJS_LEVEL: Record<KafkaLogLevel, number> = {
  nothing: kafkajs.logLevel.NOTHING,
  error: kafkajs.logLevel.ERROR,
  warn: kafkajs.logLevel.WARN,
  info: kafkajs.logLevel.INFO,
  debug: kafkajs.logLevel.DEBUG,
};

/**
 * Message of the error that stops kafkajs retrying a publish its caller gave up on (see `producer.ts`).
 *
 * @example
 * ```ts
 * if (log.message === ABANDONED_PUBLISH_MESSAGE) return; // expected, not a fault
 * ```
 */
export const ABANDONED_PUBLISH_MESSAGE = 'publish abandoned by its caller';

// kafkajs messages that describe deliberate behaviour, logged at debug instead: the warning an
// idempotent producer gives for a bounded retry count (bounded on purpose: a request has a deadline,
// and a retried publish is deduplicated by its deterministic event id), and the end of an abandoned
// publish's retries.
const EXPECTED_MESSAGES = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
  ABANDONED_PUBLISH_MESSAGE,
]);

/**
 * A kafkajs `logCreator` that writes through a Powertools logger, so kafkajs lines are JSON, carry the
 * request's correlation id and pass the same redaction as the rest of Banku. kafkajs logs every failed
 * attempt at ERROR, even when a retry then succeeds (e.g. each leader change during MSK's rolling
 * patching), so its ERROR becomes WARN here; the verdict on a publish is the producer's own line.
 *
 * @example
 * ```ts
 * new Kafka({ brokers, logLevel: logLevel.WARN, logCreator: powertoolsLogCreator(logger) });
 * ```
 */
export function powertoolsLogCreator(target: Logger = sharedLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const attributes = { kafka: { namespace, ...extra } };
      if (EXPECTED_MESSAGES.has(message)) target.debug(message, attributes);
      else if (level === kafkajs.logLevel.ERROR || level === kafkajs.logLevel.WARN)
        target.warn(message, attributes);
      else if (level === kafkajs.logLevel.INFO) target.info(message, attributes);
      else target.debug(message, attributes);
    };
}

/**
 * The kafkajs configuration for these options. Plaintext for the local broker; for MSK, TLS plus
 * SASL/OAUTHBEARER with tokens from `aws-msk-iam-sasl-signer-js`, signed with the function role's
 * credentials. kafkajs asks for a token on each new connection; it cannot re-authenticate, so MSK
 * closes a connection when its session expires and kafkajs reconnects with a fresh token.
 *
 * @example
 * ```ts
 * const config = kafkajsConfig({ brokers: ['b-1:9098'], auth: { mechanism: 'msk-iam', region: 'eu-west-1' } });
 * config.ssl; // true
 * ```
 */
export function kafkajsConfig(options: KafkaClientOptions): KafkaConfig {
  const timeouts = resolveTimeouts(options.timeouts);
  const config: KafkaConfig = {
    clientId: options.clientId ?? 'banku',
    brokers: [...options.brokers],
    connectionTimeout: timeouts.connectionTimeoutMs,
    authenticationTimeout: timeouts.authenticationTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry: kafkajsRetry(timeouts),
    logLevel: KAFKAJS_LEVEL[options.logLevel ?? 'warn'],
    logCreator: powertoolsLogCreator(options.logger),
  };
  if (options.auth.mechanism === 'msk-iam') {
    const { region } = options.auth;
    config.ssl = true;
    config.sasl = {
      mechanism: 'oauthbearer',
      // Loaded on first authentication only: the signer brings the STS client with it.
      oauthBearerProvider: async () => {
        const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
        return { value: (await generateAuthToken({ region })).token };
      },
    };
  }
  return config;
}

/**
 * Builds a kafkajs client from {@link kafkajsConfig}. Only this file, `producer.ts` and `topic-admin.ts` import kafkajs;
 * Lambda code publishes through `producer.ts` and never sees a kafkajs type.
 *
 * @example
 * ```ts
 * const kafka = createKafka({ brokers: ['127.0.0.1:9092'], auth: { mechanism: 'plaintext' } });
 * const admin = kafka.admin();
 * ```
 */
export function createKafka(options: KafkaClientOptions): kafkajs.Kafka {
  return new kafkajs.Kafka(kafkajsConfig(options));
}

/**
 * Client options from the environment, resolving the brokers (which may call the MSK API once per
 * container, see `bootstrap-brokers.ts`):
 * - `KAFKA_BROKERS` (local) or `MSK_CLUSTER_ARN` (AWS): where to connect.
 * - `KAFKA_AUTH`: `plaintext` or `msk-iam`; defaults to `msk-iam` when `MSK_CLUSTER_ARN` is the source,
 *   else `plaintext`. IAM signs for `AWS_REGION`, or the cluster ARN's region.
 * - `KAFKA_LOG_LEVEL`: kafkajs verbosity (default `warn`). `KAFKA_CLIENT_ID`: default the function name.
 *
 * @example
 * ```ts
 * const kafka = createKafka(await kafkaClientOptionsFromEnv());
 * ```
 */
export async function kafkaClientOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<KafkaClientOptions> = {},
): Promise<KafkaClientOptions> {
  const source = bootstrapOptionsFromEnv(env);
  const brokers = await resolveBootstrapBrokers(source);
  const mechanism = env.KAFKA_AUTH || (source.brokers ? 'plaintext' : 'msk-iam');
  let auth: KafkaAuth;
  if (mechanism === 'plaintext') {
    auth = { mechanism };
  } else if (mechanism === 'msk-iam') {
    const region =
      env.AWS_REGION || (source.clusterArn ? parseClusterArn(source.clusterArn).region : undefined);
    if (!region)
      throw new KafkaConfigError('AWS_REGION', 'is needed to sign MSK IAM tokens (KAFKA_AUTH=msk-iam)');
    auth = { mechanism, region };
  } else {
    throw new KafkaConfigError('KAFKA_AUTH', `expected "plaintext" or "msk-iam", got "${mechanism}"`);
  }
  const logLevel = env.KAFKA_LOG_LEVEL || 'warn';
  if (!(logLevel in KAFKAJS_LEVEL)) {
    throw new KafkaConfigError('KAFKA_LOG_LEVEL', `expected one of ${Object.keys(KAFKAJS_LEVEL).join(', ')}`);
  }
  return {
    brokers,
    auth,
    clientId: env.KAFKA_CLIENT_ID || env.AWS_LAMBDA_FUNCTION_NAME || 'banku',
    logLevel: logLevel as KafkaLogLevel,
    ...overrides,
  };
}
