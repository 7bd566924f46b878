/**
 * Where Lambda starts reading a partition that its consumer group has never committed.
 *
 * @example
 * const position: StartingPosition = 'TRIM_HORIZON';
 */
export type StartingPosition = 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';

/**
 * One event filter, as in `FilterCriteria.Filters[].Pattern` (already parsed, or the JSON string AWS takes).
 *
 * @example
 * const pattern: FilterPattern = { value: { type: ['DepositRequested'] } };
 */
export type FilterPattern = Record<string, unknown> | string;

/**
 * What happens when an invocation fails. AWS retries a Kafka batch until it succeeds (or its records
 * expire) unless `maximumRetryAttempts` is set.
 *
 * @example
 * const retry: RetrySettings = { maximumRetryAttempts: -1, backoffBaseMs: 200, backoffMaxMs: 10_000 };
 */
export interface RetrySettings {
  /** Retries after the first attempt; -1 (default) retries forever, like AWS for Kafka. */
  maximumRetryAttempts?: number;
  /** Delay before the first retry; doubles with each retry (default 200 ms). */
  backoffBaseMs?: number;
  /** Cap of the delay between retries (default 10 s). */
  backoffMaxMs?: number;
}

/**
 * One event source mapping: a function fed by one topic, as a serverless `msk` or `kafka` event declares it.
 *
 * @example
 * const mapping: MappingConfig = {
 *   functionName: 'banku-dev-projectEvents',
 *   topic: 'banku.account-events',
 *   batchSize: 100,
 *   maximumBatchingWindow: 1,
 *   startingPosition: 'TRIM_HORIZON',
 * };
 */
export interface MappingConfig {
  /** The function's full name (`service-stage-function`); also seeds the default consumer group id. */
  functionName: string;
  topic: string;
  /** Records per invocation, 1..10000 (default 100). */
  batchSize?: number;
  /** Seconds to wait for a batch to fill, 0..300 (default 0.5, AWS's default for Kafka). */
  maximumBatchingWindow?: number;
  /** Default `TRIM_HORIZON` (serverless requires it on `msk` events; AWS's API default is `LATEST`). */
  startingPosition?: StartingPosition;
  /** Epoch seconds (as serverless and CloudFormation take it), for `AT_TIMESTAMP`. */
  startingPositionTimestamp?: number;
  /** Default: a UUID derived from the function name and topic (AWS uses the mapping's UUID). */
  consumerGroupId?: string;
  /** Default true; a disabled mapping never connects. */
  enabled?: boolean;
  /** A record is delivered when it matches any pattern; unmatched records are committed uninvoked. */
  filterPatterns?: readonly FilterPattern[];
  retry?: RetrySettings;
  /** `aws:kafka` for MSK (default), `SelfManagedKafka` for a self-managed (`kafka`) cluster. */
  eventSource?: 'aws:kafka' | 'SelfManagedKafka';
  /** Put in each event for `aws:kafka` (default: a placeholder ARN naming the topic). */
  eventSourceArn?: string;
  /** `bootstrapServers` of each event (default: the brokers the runner reads from). */
  bootstrapServers?: string;
}

/**
 * A Kafka record as Lambda hands it to the function: binary fields base64-encoded, headers as byte arrays.
 *
 * @example
 * const record: MskRecord = {
 *   topic: 'orders', partition: 0, offset: 15, timestamp: 1545084650987, timestampType: 'CREATE_TIME',
 *   key: 'a2V5', value: 'eyJhIjoxfQ==', headers: [{ 'content-type': [97, 112, 112] }],
 * };
 */
export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch milliseconds. */
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** Base64; absent when the record has no key (as AWS does). */
  key?: string;
  /** Base64; absent for a tombstone (null value), as AWS does. */
  value?: string;
  /** One single-entry object per header, in record order, value as bytes. */
  headers: Record<string, number[]>[];
}

/**
 * The event Lambda sends for an MSK (`aws:kafka`) or self-managed (`SelfManagedKafka`) mapping.
 *
 * @example
 * const event: MskEvent = { eventSource: 'aws:kafka', eventSourceArn: 'arn:…', bootstrapServers: 'b-1:9092', records: {} };
 */
export interface MskEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  /** Present for `aws:kafka` only. */
  eventSourceArn?: string;
  bootstrapServers: string;
  /** Keyed `<topic>-<partition>`. */
  records: Record<string, MskRecord[]>;
}

/**
 * Calls the function with one event; a rejection (or a function error) makes the batch be retried.
 *
 * @example
 * const invoke: InvokeFunction = async (event) => handler(event);
 */
export type InvokeFunction = (event: MskEvent) => Promise<unknown>;

/**
 * Where the runner reports what it does. Every method is optional.
 *
 * @example
 * const logger: MappingLogger = { info: (m) => console.error(m), warn: (m) => console.error(m) };
 */
export interface MappingLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/**
 * A batch given up after `maximumRetryAttempts`, for an on-failure hook (AWS would send it to the
 * mapping's on-failure destination).
 *
 * @example
 * const onDiscard = (d: DiscardedBatch) => console.error(`${d.topic}-${d.partition} ${d.firstOffset}..${d.lastOffset}`);
 */
export interface DiscardedBatch {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  attempts: number;
  error: unknown;
  event: MskEvent;
}
