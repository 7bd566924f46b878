/**
 * The environment a running local stack hands to the service, the tests and the developer's shell.
 * Every value is a plain string so it can be printed as `NAME=value` and pasted into a shell.
 */
export interface StackEnv {
  /** Comma-separated `host:port` list of the Kafka-protocol broker. */
  KAFKA_BROKERS: string;
  /** Base URL of the Upstash-compatible REST endpoint. */
  UPSTASH_REDIS_REST_URL: string;
  /** Bearer token the endpoint expects. */
  UPSTASH_REDIS_REST_TOKEN: string;
  /** The Redis server behind the endpoint (empty when a real Upstash is used and no Redis is known). */
  REDIS_URL: string;
  /** The prefix of the service's topics (see lib/config/topics.ts). */
  KAFKA_TOPIC_PREFIX: string;
  /** Where tests and tools create topics or inject broker faults (empty when Kafka is external). */
  LOCAL_STACK_CONTROL_URL: string;
  /** The token issuer: the local one (`http://127.0.0.1:<port>`) unless the environment named another. */
  AUTH_ISSUER: string;
  /** The audience the service accepts in tokens. */
  AUTH_AUDIENCE: string;
  /** Bearer secret of the local issuer's `POST /tokens` (empty when the issuer is not local). */
  LOCAL_ISSUER_MINT_SECRET: string;
}

/** The order in which `npm run stack` prints the variables. */
export const STACK_ENV_NAMES = [
  'KAFKA_BROKERS',
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'REDIS_URL',
  'KAFKA_TOPIC_PREFIX',
  'LOCAL_STACK_CONTROL_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'LOCAL_ISSUER_MINT_SECRET',
] as const satisfies readonly (keyof StackEnv)[];
