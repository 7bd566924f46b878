import { STAGE_PARAMETERS } from '../../lib/config/stages.js';
import { DEFAULT_TOPIC_PARTITIONS, topicPrefix, topicSet } from '../../lib/config/topics.js';
import { startLocalIssuer } from '../issuer/server.js';
import { desiredTopics, SINGLE_BROKER_LAYOUT } from '../../lib/kafka/topic-layout.js';
import { startApacheKafka } from '../kafka/apache/apache-broker.js';
import { startLocalKafka } from '../kafka/broker.js';
import { type BrokerKind, brokerKind, type LocalBroker } from '../kafka/local-broker.js';
import { type RedisServer, resolveRedis } from '../redis/resolve-redis.js';
import { startUpstashEndpoint, type UpstashEndpoint } from '../upstash/server.js';
import { type ControlServer, startControlServer } from './control-server.js';
import type { StackEnv } from './stack-env.js';

/** The audience of the local issuer's tokens unless `AUTH_AUDIENCE` names another. */
const LOCAL_AUDIENCE = STAGE_PARAMETERS.authAudience.placeholder;

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Where `KAFKA_BROKERS`, `UPSTASH_REDIS_REST_*`, `REDIS_URL`, `KAFKA_TOPIC_PREFIX` and `AUTH_*` may already be set. */
  env?: NodeJS.ProcessEnv;
  /** Partitions of each service topic on the local broker. */
  partitions?: number;
  /** The broker to start when `KAFKA_BROKERS` is not set; default `BANKU_BROKER`, else `mock`. */
  broker?: BrokerKind;
  /** Apache Kafka's data directory; default `BANKU_KAFKA_DATA_DIR`, else one in the user's cache. */
  kafkaDataDir?: string;
}

/** A started local stack: its environment and one way to stop everything it started. */
export interface RunningStack {
  readonly env: StackEnv;
  /** Present only when the stack started the broker itself. */
  readonly kafka?: LocalBroker;
  stop(): Promise<void>;
}

/**
 * Starts what the service needs on a developer's machine or in CI: the local broker (the mock, or
 * Apache Kafka with `broker: 'apache'` / `BANKU_BROKER=apache`) with the service's topics, a Redis
 * server (or the running one), the Upstash-compatible endpoint and a local token issuer. A part whose
 * variable is already set (`KAFKA_BROKERS`, `UPSTASH_REDIS_REST_URL`, `AUTH_ISSUER`) is not started,
 * so the same command runs the service against a real cluster, Upstash or Cognito.
 *
 * This is the one way the stack starts: `npm run stack`, `npm run dev` and the tests' global setup
 * all call it.
 *
 * @example
 * ```ts
 * const stack = await startStack();
 * console.log(stack.env.KAFKA_BROKERS);
 * await stack.stop();
 * ```
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const env = options.env ?? process.env;
  const prefix = topicPrefix(env);
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    // Reverse order: the endpoint goes before the Redis it fronts.
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    started.length = 0;
  };

  try {
    let kafka: LocalBroker | undefined;
    let control: ControlServer | undefined;
    let kafkaBrokers = env.KAFKA_BROKERS ?? '';
    if (!kafkaBrokers) {
      const partitions = options.partitions ?? DEFAULT_TOPIC_PARTITIONS;
      kafka =
        (options.broker ?? brokerKind(env)) === 'apache'
          ? await startApacheKafka({
              env,
              topics: desiredTopics(prefix, { partitions, ...SINGLE_BROKER_LAYOUT }),
              ...(options.kafkaDataDir ? { dataDir: options.kafkaDataDir } : {}),
            })
          : await startLocalKafka({ topics: topicSet(prefix).map(({ name }) => ({ name, partitions })) });
      started.push(kafka);
      control = await startControlServer(kafka);
      started.push(control);
      kafkaBrokers = kafka.bootstrapServers;
    }

    let upstashUrl = env.UPSTASH_REDIS_REST_URL ?? '';
    let upstashToken = env.UPSTASH_REDIS_REST_TOKEN ?? '';
    let redisUrl = env.REDIS_URL ?? '';
    if (!upstashUrl) {
      const redis: RedisServer = await resolveRedis(env);
      started.push(redis);
      const endpoint: UpstashEndpoint = await startUpstashEndpoint({
        redisUrl: redis.url,
        ...(upstashToken ? { token: upstashToken } : {}),
      });
      started.push(endpoint);
      upstashUrl = endpoint.url;
      upstashToken = endpoint.token;
      redisUrl = redis.url;
    }

    let authIssuer = env.AUTH_ISSUER ?? '';
    let authAudience = env.AUTH_AUDIENCE ?? '';
    let mintSecret = '';
    if (!authIssuer) {
      const issuer = await startLocalIssuer({ audience: authAudience || LOCAL_AUDIENCE, env });
      started.push(issuer);
      ({ url: authIssuer, audience: authAudience, mintSecret } = issuer);
    }

    return {
      env: {
        KAFKA_BROKERS: kafkaBrokers,
        UPSTASH_REDIS_REST_URL: upstashUrl,
        UPSTASH_REDIS_REST_TOKEN: upstashToken,
        REDIS_URL: redisUrl,
        KAFKA_TOPIC_PREFIX: prefix,
        LOCAL_STACK_CONTROL_URL: control?.url ?? '',
        AUTH_ISSUER: authIssuer,
        AUTH_AUDIENCE: authAudience,
        LOCAL_ISSUER_MINT_SECRET: mintSecret,
      },
      ...(kafka ? { kafka } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
