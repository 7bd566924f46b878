import { v5 as uuidV5 } from 'uuid';
import { InvalidMappingError } from './errors.js';
import { compileFilterPatterns, type RecordFilter } from './filter-patterns.js';
import type { MappingConfig, StartingPosition } from './types.js';

/** Namespace of the default consumer group ids, so that they never collide with other v5 ids. */
const GROUP_ID_NAMESPACE = '5b0f7c52-9a3e-4c1e-8f0e-6d2b4f7a9c31';

/** AWS's largest Kafka batch. */
const MAX_BATCH_SIZE = 10_000;
/** AWS's longest batching window, in seconds. */
const MAX_BATCHING_WINDOW_S = 300;
const STARTING_POSITIONS: readonly StartingPosition[] = ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP'];

/**
 * A mapping with every default applied and every setting checked.
 *
 * @example
 * const m: ResolvedMapping = resolveMapping({ functionName: 'svc-dev-fn', topic: 'orders' }, '127.0.0.1:9092');
 * m.batchSize; // 100
 */
export interface ResolvedMapping {
  functionName: string;
  topic: string;
  batchSize: number;
  batchingWindowMs: number;
  startingPosition: StartingPosition;
  /** Epoch milliseconds, for AT_TIMESTAMP. */
  startingTimestampMs: number | undefined;
  consumerGroupId: string;
  enabled: boolean;
  filter: RecordFilter;
  hasFilter: boolean;
  maximumRetryAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn: string | undefined;
  bootstrapServers: string;
}

/**
 * The consumer group a mapping uses when it names none: a UUID derived from the function and topic,
 * stable across restarts (AWS uses the event source mapping's UUID, also stable for its lifetime).
 *
 * @example
 * defaultConsumerGroupId('banku-dev-projectEvents', 'banku.account-events'); // "…-…-5…-…-…" (UUID v5)
 */
export function defaultConsumerGroupId(functionName: string, topic: string): string {
  return uuidV5(`offline-msk:${functionName}:${topic}`, GROUP_ID_NAMESPACE);
}

/**
 * Applies defaults and checks ranges as AWS does (batch size 1..10000, window 0..300 s,
 * AT_TIMESTAMP needs a timestamp). Throws {@link InvalidMappingError} or
 * `InvalidFilterPatternError`.
 *
 * @example
 * resolveMapping({ functionName: 'svc-dev-fn', topic: 'orders', batchSize: 10 }, '127.0.0.1:9092');
 */
export function resolveMapping(config: MappingConfig, brokers: string): ResolvedMapping {
  const fail = (detail: string): never => {
    throw new InvalidMappingError(config.functionName || '(unnamed function)', detail);
  };
  if (!config.functionName) fail('functionName is required');
  if (!config.topic) fail('topic is required');

  const batchSize = config.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    fail(`batchSize must be an integer in 1..${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const window = config.maximumBatchingWindow ?? 0.5;
  if (!Number.isFinite(window) || window < 0 || window > MAX_BATCHING_WINDOW_S) {
    fail(`maximumBatchingWindow must be 0..${MAX_BATCHING_WINDOW_S} seconds, got ${window}`);
  }
  const startingPosition = config.startingPosition ?? 'TRIM_HORIZON';
  if (!STARTING_POSITIONS.includes(startingPosition)) {
    fail(`startingPosition must be one of ${STARTING_POSITIONS.join(', ')}, got ${startingPosition}`);
  }
  const timestamp = config.startingPositionTimestamp;
  if (startingPosition === 'AT_TIMESTAMP' && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) {
    fail('startingPosition AT_TIMESTAMP needs startingPositionTimestamp (epoch seconds)');
  }
  const retry = config.retry ?? {};
  const maximumRetryAttempts = retry.maximumRetryAttempts ?? -1;
  if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < -1) {
    fail(`retry.maximumRetryAttempts must be -1 (forever) or a count >= 0, got ${maximumRetryAttempts}`);
  }
  const backoffBaseMs = retry.backoffBaseMs ?? 200;
  const backoffMaxMs = retry.backoffMaxMs ?? 10_000;
  if (!(backoffBaseMs >= 0) || !(backoffMaxMs >= backoffBaseMs)) {
    fail(`retry backoff needs 0 <= backoffBaseMs <= backoffMaxMs, got ${backoffBaseMs} and ${backoffMaxMs}`);
  }
  const eventSource = config.eventSource ?? 'aws:kafka';
  return {
    functionName: config.functionName,
    topic: config.topic,
    batchSize,
    batchingWindowMs: Math.round(window * 1000),
    startingPosition,
    startingTimestampMs:
      startingPosition === 'AT_TIMESTAMP' ? Math.round((timestamp as number) * 1000) : undefined,
    consumerGroupId: config.consumerGroupId || defaultConsumerGroupId(config.functionName, config.topic),
    enabled: config.enabled ?? true,
    filter: compileFilterPatterns(config.filterPatterns),
    hasFilter: (config.filterPatterns?.length ?? 0) > 0,
    maximumRetryAttempts,
    backoffBaseMs,
    backoffMaxMs,
    eventSource,
    eventSourceArn:
      eventSource === 'aws:kafka'
        ? (config.eventSourceArn ?? `arn:aws:kafka:local:000000000000:cluster/offline-msk/${config.topic}`)
        : undefined,
    bootstrapServers: config.bootstrapServers ?? brokers,
  };
}

/**
 * The delay before retry number `attempt` (1-based): base × 2^(attempt-1), capped.
 *
 * @example
 * retryDelayMs(3, 200, 10_000); // 800
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}
