/**
 * Kafka settings are missing or malformed (an environment variable, an ARN, a broker list). A deployment
 * fault: retrying will not help until the named setting is fixed.
 *
 * @example
 * ```ts
 * throw new KafkaConfigError('KAFKA_BROKERS', 'expected host:port[,host:port], got "localhost"');
 * ```
 */
export class KafkaConfigError extends Error {
  override readonly name = 'KafkaConfigError';

  constructor(
    /** The setting (usually an environment variable) to fix. */
    readonly setting: string,
    detail: string,
  ) {
    super(`${setting}: ${detail}`);
  }
}

/**
 * Asking the MSK API for the cluster's bootstrap brokers failed (cluster not found, access denied, IAM
 * auth not enabled, API unreachable). `retriable` says whether a later cold start may succeed as is.
 *
 * @example
 * ```ts
 * try { await resolveBootstrapBrokers({ clusterArn }); }
 * catch (e) { if (e instanceof BootstrapBrokersLookupError && !e.retriable) alertOperator(e.message); }
 * ```
 */
export class BootstrapBrokersLookupError extends Error {
  override readonly name = 'BootstrapBrokersLookupError';
  /** The cluster asked about. */
  readonly clusterArn: string;
  /** The AWS error name, e.g. `NotFoundException`, `AccessDeniedException`, when the API answered. */
  readonly awsErrorName: string | undefined;
  /** HTTP status from the MSK API, when it answered. */
  readonly httpStatusCode: number | undefined;
  /** True when the failure looks transient (throttling, 5xx, network). */
  readonly retriable: boolean;

  constructor(
    message: string,
    details: {
      clusterArn: string;
      awsErrorName?: string | undefined;
      httpStatusCode?: number | undefined;
      retriable: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.clusterArn = details.clusterArn;
    this.awsErrorName = details.awsErrorName;
    this.httpStatusCode = details.httpStatusCode;
    this.retriable = details.retriable;
  }
}

/**
 * Kafka could not take the records now (brokers unreachable, leader election, timeouts, the publish time
 * budget ran out). Nothing is known to be written; the caller may retry later with the same event ids,
 * which the consumers deduplicate. HTTP: answer 503 with `Retry-After: retryAfterSeconds`.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof KafkaUnavailableError)
 *     return { statusCode: 503, headers: { 'Retry-After': String(e.retryAfterSeconds) } };
 * }
 * ```
 */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';

  constructor(
    message: string,
    /** Seconds after which a retry is reasonable. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Kafka refused the records for a reason a retry will not fix (record too large, unknown topic,
 * authorization or authentication failure, invalid record). A server-side fault: HTTP 500 and an alarm.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof KafkaRejectedError) logger.error('publish rejected', { reason: e.reason });
 * }
 * ```
 */
export class KafkaRejectedError extends Error {
  override readonly name = 'KafkaRejectedError';

  constructor(
    message: string,
    /** Kafka protocol error type (`MESSAGE_TOO_LARGE`, `UNKNOWN_TOPIC_OR_PARTITION`, ...) or a short code. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A topic layout (partitions, replication factor, `min.insync.replicas`) that cannot work. Fix the named
 * setting; nothing was sent to the cluster.
 *
 * @example
 * ```ts
 * throw new TopicLayoutError('partitions', 'must be a positive integer, got 0');
 * ```
 */
export class TopicLayoutError extends Error {
  override readonly name = 'TopicLayoutError';

  constructor(
    /** The layout setting to fix. */
    readonly setting: string,
    detail: string,
  ) {
    super(`${setting}: ${detail}`);
  }
}

/**
 * The cluster could not describe or create a topic: unreachable, not authorised (MSK IAM needs
 * `kafka-cluster:DescribeTopic`, `DescribeTopicDynamicConfiguration` and `CreateTopic`), or a broker
 * without the admin API (librdkafka's mock cluster has none).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof TopicAdminError) console.error(e.message, e.cause); }
 * ```
 */
export class TopicAdminError extends Error {
  override readonly name = 'TopicAdminError';

  constructor(
    message: string,
    /** The topic concerned, when the failure is about one. */
    readonly topic: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
