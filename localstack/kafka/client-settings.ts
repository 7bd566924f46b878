import type { ConsumerConfig, KafkaConfig } from 'kafkajs';

/**
 * Group initial rebalance delay the launcher gives the mock (its default is 3000 ms, like Kafka's
 * `group.initial.rebalance.delay.ms`). Every fresh group waits this long before its first
 * generation; 300 ms keeps a single consumer's start fast while consumers started together still
 * land in one generation instead of forcing a second rebalance.
 *
 * @example
 * await sleep(LOCAL_GROUP_INITIAL_REBALANCE_DELAY_MS); // the least a first join takes
 */
export const LOCAL_GROUP_INITIAL_REBALANCE_DELAY_MS = 300;

/**
 * kafkajs client settings for the local broker: fail fast instead of waiting out production
 * timeouts. Spread them into `new Kafka({ brokers, ...localKafkaClientSettings })`.
 *
 * @example
 * const kafka = new Kafka({ brokers: local.bootstrapServers.split(','), ...localKafkaClientSettings });
 */
export const localKafkaClientSettings = {
  /** Loopback connects are instant; a refused or hung one (broker-down fault) should surface quickly. */
  connectionTimeout: 1_000,
  /**
   * No local request legitimately takes seconds, except JoinGroup, which kafkajs times by
   * `rebalanceTimeout` + 5 s instead, and Fetch, which kafkajs extends by `maxWaitTimeInMs`.
   */
  requestTimeout: 5_000,
  /**
   * Backoff of every retrier, including the connection retries inside the client: with kafkajs'
   * 300 ms doubling to 30 s, a send to a downed broker takes about 19 s to fail even with
   * `retries: 0` on the producer. No `retries` here, on purpose: producers inherit this object,
   * and a limit on an idempotent producer makes kafkajs warn that exactly-once may break. (Through
   * `Kafka.producer()` kafkajs' documented unlimited default does not apply anyway: an idempotent
   * producer gets the default count, 5, or 15 when NODE_ENV is "test" as under vitest, unless it
   * sets `retry.retries` itself.)
   */
  retry: { initialRetryTime: 100, maxRetryTime: 1_000 },
} as const satisfies Omit<KafkaConfig, 'brokers'>;

/**
 * kafkajs consumer settings for the local broker. Spread them into
 * `kafka.consumer({ groupId, ...localKafkaConsumerSettings })`.
 *
 * @example
 * const consumer = kafka.consumer({ groupId: 'projector', ...localKafkaConsumerSettings });
 */
export const localKafkaConsumerSettings = {
  /**
   * The mock answers an empty Fetch only after the full wait, even if data arrives meanwhile, and
   * answers on one connection in order, so a long wait also delays heartbeats and commits queued
   * behind it. 100 ms bounds both the delivery latency and that head-of-line delay.
   */
  maxWaitTimeInMs: 100,
  /**
   * The mock's rebalance timers derive from the session timeout: after a member leaves it waits
   * `sessionTimeout - 1000` ms for the rest to rejoin, and a crashed member is dropped after
   * `sessionTimeout`. 6 s keeps that short while staying far above event-loop stalls of a busy
   * 2-core CI machine.
   */
  sessionTimeout: 6_000,
  /**
   * kafkajs heartbeats from its fetch loop; with 100 ms fetches a 500 ms interval notices a
   * rebalance within about half a second (kafkajs' default is 3 s).
   */
  heartbeatInterval: 500,
  /**
   * kafkajs times JoinGroup as `rebalanceTimeout` + 5 s. The mock ignores the value itself but may
   * hold a JoinGroup for up to `sessionTimeout`, so this must not be lower than `sessionTimeout`;
   * the default 60 s would only let a lost JoinGroup hang longer.
   */
  rebalanceTimeout: 6_000,
} as const satisfies Omit<ConsumerConfig, 'groupId'>;
