import kafkajs, { type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { logger } from '../logging/logger.js';
import {
  ABANDONED_PUBLISH_MESSAGE,
  createKafka,
  type KafkaClientOptions,
  kafkaClientOptionsFromEnv,
  kafkajsRetry,
  resolveTimeouts,
} from './client.js';
import { BootstrapBrokersLookupError, KafkaRejectedError, KafkaUnavailableError } from './errors.js';

/**
 * A record to append. Every Banku record is keyed (the account id), so all of one key's records land on
 * one partition, in order.
 *
 * @example
 * ```ts
 * const record: OutgoingRecord = { topic, key: accountId, value: JSON.stringify(envelope), headers: { 'event-type': 'DepositRequested' } };
 * ```
 */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Where an appended record now lives. `offset` is a decimal string (Kafka offsets are 64-bit).
 *
 * @example
 * ```ts
 * const [{ partition, offset }] = await publish([record]);
 * ```
 */
export interface PublishedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Appends records to Kafka; hides the Kafka client library.
 *
 * @example
 * ```ts
 * const publisher: Publisher = createPublisher({ client });
 * await publisher.publish([record]);
 * await publisher.disconnect();
 * ```
 */
export interface Publisher {
  /**
   * Appends the records and resolves, in input order, once every one is acknowledged by all in-sync
   * replicas (acks = -1). Rejects with {@link KafkaUnavailableError} (retry later; 503) or
   * {@link KafkaRejectedError} (will not succeed as is; 500), within `publishTimeoutMs`. After a failure
   * the connection is dropped, kafkajs' retries of the failed records are stopped, and the next call
   * reconnects. A request that reached the leader before the failure may still have been appended:
   * retry with the same event ids, which consumers deduplicate.
   */
  publish(records: readonly OutgoingRecord[]): Promise<PublishedRecord[]>;
  /** Closes the connection, if any. A later `publish` reconnects. */
  disconnect(): Promise<void>;
}

/**
 * Options for {@link createPublisher}.
 *
 * @example
 * ```ts
 * const options: PublisherOptions = { client: () => kafkaClientOptionsFromEnv(), publishTimeoutMs: 3_000 };
 * ```
 */
export interface PublisherOptions {
  /** Client options, or a function producing them on first connect (e.g. resolving brokers). */
  readonly client: KafkaClientOptions | (() => Promise<KafkaClientOptions>);
  /** Hard limit for one `publish`, connecting included. Default {@link DEFAULT_PUBLISH_TIMEOUT_MS}. */
  readonly publishTimeoutMs?: number;
  /** How long the partition leader may wait for the in-sync replicas. Default {@link DEFAULT_ACK_TIMEOUT_MS}. */
  readonly ackTimeoutMs?: number;
  /** `retryAfterSeconds` of the {@link KafkaUnavailableError}s thrown. Default 1. */
  readonly retryAfterSeconds?: number;
}

/**
 * A publish, connecting included, fails with {@link KafkaUnavailableError} after at most this long. Fits
 * an HTTP Lambda: well below API Gateway's 29 s, above a cold start's MSK API call + TLS + SASL +
 * InitProducerId, and above kafkajs' own retry budget when brokers refuse connections (~1 s).
 *
 * @example
 * ```ts
 * createPublisher({ client, publishTimeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS / 2 });
 * ```
 */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Broker-side wait for the in-sync replicas before it answers REQUEST_TIMED_OUT; below the client's
 * `requestTimeoutMs` (3 s) so the broker's answer arrives first.
 *
 * @example
 * ```ts
 * createPublisher({ client, ackTimeoutMs: DEFAULT_ACK_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_ACK_TIMEOUT_MS = 2_000;

interface Session {
  readonly producer: Producer;
}

class PublishDeadlineExceeded extends Error {
  override readonly name = 'PublishDeadlineExceeded';
}

// Thrown from the partitioner into a kafkajs retry loop the caller has given up on. `retriable: false`
// makes kafkajs stop retrying instead of writing the records after the caller was told they were not.
class PublishAbandoned extends Error {
  override readonly name = 'PublishAbandoned';
  readonly retriable = false;
}

class KafkaPublisher implements Publisher {
  readonly #client: PublisherOptions['client'];
  readonly #publishTimeoutMs: number;
  readonly #ackTimeoutMs: number;
  readonly #retryAfterSeconds: number;
  // The partition each message went to, written by the partitioner as kafkajs routes the message.
  readonly #partitionOf = new WeakMap<Message, number>();
  // Messages of publishes that already failed; kafkajs may still be retrying them in the background.
  readonly #abandoned = new WeakSet<Message>();
  #session: Promise<Session> | undefined;

  constructor(options: PublisherOptions) {
    this.#client = options.client;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.#retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  async publish(records: readonly OutgoingRecord[]): Promise<PublishedRecord[]> {
    assertRecords(records);
    if (records.length === 0) return [];
    const started = Date.now();
    const messages = records.map((r): Message => ({
      key: r.key,
      value: r.value,
      headers: r.headers ? { ...r.headers } : {},
    }));
    const session = this.#connect();
    const attempt = this.#send(session, records, messages);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PublishDeadlineExceeded(`no acknowledgement within ${this.#publishTimeoutMs} ms`)),
        this.#publishTimeoutMs,
      );
    });
    try {
      return await Promise.race([attempt, deadline]);
    } catch (error) {
      for (const message of messages) this.#abandoned.add(message);
      this.#drop(session, attempt);
      const mapped = toPublishError(error, this.#retryAfterSeconds);
      // An outage is expected now and then and answered with 503; a rejection needs a person.
      const attributes = {
        error: mapped.name,
        reason: mapped instanceof KafkaRejectedError ? mapped.reason : undefined,
        detail: mapped.message,
        topics: [...new Set(records.map((r) => r.topic))],
        records: records.length,
        elapsedMs: Date.now() - started,
      };
      if (mapped instanceof KafkaUnavailableError) logger.warn('kafka publish failed', attributes);
      else logger.error('kafka publish failed', attributes);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session) await session.then((s) => s.producer.disconnect()).catch(() => undefined);
  }

  // Concurrent first publishes share one connect; a failed connect is forgotten so the next call retries.
  #connect(): Promise<Session> {
    if (!this.#session) {
      const opening = this.#open();
      this.#session = opening;
      opening.catch(() => {
        if (this.#session === opening) this.#session = undefined;
      });
    }
    return this.#session;
  }

  async #open(): Promise<Session> {
    const options = typeof this.#client === 'function' ? await this.#client() : this.#client;
    const partitionOf = this.#partitionOf;
    const abandoned = this.#abandoned;
    const producer = createKafka(options).producer({
      idempotent: true,
      // kafkajs serialises idempotent produce requests per broker anyway; one in flight keeps the
      // sequence numbers simple to reason about.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Without an explicit bound an idempotent kafkajs producer retries forever.
      retry: kafkajsRetry(resolveTimeouts(options.timeouts)),
      // Java-compatible murmur2 on the key. Wrapped to learn each message's partition (for its offset)
      // and, as kafkajs calls it on every attempt, to end the retries of an abandoned publish.
      createPartitioner: () => {
        const partition = kafkajs.Partitioners.DefaultPartitioner();
        return (args) => {
          if (abandoned.has(args.message)) throw new PublishAbandoned(ABANDONED_PUBLISH_MESSAGE);
          const chosen = partition(args);
          partitionOf.set(args.message, chosen);
          return chosen;
        };
      },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    return { producer };
  }

  async #send(
    session: Promise<Session>,
    records: readonly OutgoingRecord[],
    messages: Message[],
  ): Promise<PublishedRecord[]> {
    const { producer } = await session;
    const byTopic = new Map<string, Message[]>();
    records.forEach((r, i) => {
      const list = byTopic.get(r.topic) ?? [];
      list.push(messages[i] as Message);
      byTopic.set(r.topic, list);
    });
    const acknowledged = await producer.sendBatch({
      acks: -1,
      timeout: this.#ackTimeoutMs,
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
    });
    return this.#locate(records, messages, acknowledged);
  }

  // kafkajs answers per partition (base offset of the batch); a message's offset is the base plus its
  // rank among the batch's messages, which keep their input order.
  #locate(
    records: readonly OutgoingRecord[],
    messages: Message[],
    acks: RecordMetadata[],
  ): PublishedRecord[] {
    const base = new Map(
      acks.map((a) => [`${a.partition}\u0000${a.topicName}`, BigInt(a.baseOffset ?? '-1')]),
    );
    const rank = new Map<string, bigint>();
    return records.map(({ topic }, i) => {
      const partition = this.#partitionOf.get(messages[i] as Message);
      const slot = `${partition}\u0000${topic}`;
      const first = base.get(slot);
      if (partition === undefined || first === undefined || first < 0n) {
        throw new KafkaRejectedError(`no acknowledgement for a record of ${topic}`, 'MISSING_ACK');
      }
      const n = rank.get(slot) ?? 0n;
      rank.set(slot, n + 1n);
      return { topic, partition, offset: (first + n).toString() };
    });
  }

  // Forget the session so the next publish reconnects. Disconnect now to stop kafkajs retrying, and
  // again once the abandoned attempt settles: a kafkajs retry loop may have reconnected meanwhile.
  #drop(session: Promise<Session>, attempt: Promise<unknown>): void {
    if (this.#session === session) this.#session = undefined;
    const settled = attempt.then(
      () => undefined,
      () => undefined,
    );
    session
      .then(async ({ producer }) => {
        await producer.disconnect().catch(() => undefined);
        await settled;
        await producer.disconnect().catch(() => undefined);
      })
      .catch(() => undefined);
  }
}

function assertRecords(records: readonly OutgoingRecord[]): void {
  if (!Array.isArray(records)) throw new TypeError('publish expects an array of records');
  for (const r of records) {
    if (typeof r.topic !== 'string' || r.topic === '')
      throw new TypeError('record.topic must be a non-empty string');
    if (typeof r.key !== 'string') throw new TypeError(`record.key must be a string (topic ${r.topic})`);
    if (typeof r.value !== 'string' && !Buffer.isBuffer(r.value)) {
      throw new TypeError(`record.value must be a string or Buffer (topic ${r.topic})`);
    }
  }
}

// kafkajs marks these non-retriable, but they describe this producer's own state (sequence, epoch,
// id) or a broker restarting; a fresh producer, which the next publish gets, succeeds.
const TRANSIENT_PROTOCOL_ERRORS = new Set([
  'BROKER_NOT_AVAILABLE',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_ID_MAPPING',
]);
// kafkajs retries these, but when retries run out the cause is a missing topic, not an outage.
const PERSISTENT_PROTOCOL_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);
const UNAVAILABLE_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

function causeChain(error: unknown): ErrorShape[] {
  const chain: ErrorShape[] = [];
  for (let e = error; typeof e === 'object' && e !== null && chain.length < 10 && !chain.includes(e);) {
    chain.push(e as ErrorShape);
    e = (e as ErrorShape).cause;
  }
  return chain;
}

/**
 * Maps whatever the Kafka client threw to Banku's two outcomes. Matches kafkajs errors by `name`
 * (kafkajs' classes are not exported as ES named exports) and walks `cause`, because kafkajs wraps
 * the real failure in KafkaJSNumberOfRetriesExceeded / KafkaJSNonRetriableError.
 * Exported for tests of the mapping itself.
 *
 * @example
 * ```ts
 * toPublishError(new Error('boom'), 1); // the same Error: not a Kafka failure, a bug
 * ```
 */
export function toPublishError(error: unknown, retryAfterSeconds: number): Error {
  if (error instanceof KafkaUnavailableError || error instanceof KafkaRejectedError) return error;
  if (error instanceof PublishDeadlineExceeded) {
    return new KafkaUnavailableError(`Kafka did not acknowledge: ${error.message}`, retryAfterSeconds, {
      cause: error,
    });
  }
  if (error instanceof BootstrapBrokersLookupError) {
    return error.retriable
      ? new KafkaUnavailableError(error.message, retryAfterSeconds, { cause: error })
      : error;
  }
  const chain = causeChain(error);
  const unavailable = (detail: string) =>
    new KafkaUnavailableError(`Kafka unavailable: ${detail}`, retryAfterSeconds, { cause: error });
  for (const e of chain) {
    const message = String(e.message ?? '');
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      return new KafkaRejectedError(
        `Kafka refused the client's credentials (check the role's kafka-cluster:Connect permission): ${message}`,
        'SASL_AUTHENTICATION_FAILED',
        { cause: error },
      );
    }
    if (e.name === 'KafkaJSProtocolError' && typeof e.type === 'string') {
      if (TRANSIENT_PROTOCOL_ERRORS.has(e.type)) return unavailable(`${e.type}: ${message}`);
      if (e.retriable === false || PERSISTENT_PROTOCOL_ERRORS.has(e.type)) {
        return new KafkaRejectedError(`Kafka rejected the records: ${e.type}: ${message}`, e.type, {
          cause: error,
        });
      }
      return unavailable(`${e.type}: ${message}`);
    }
    if (typeof e.name === 'string' && UNAVAILABLE_ERRORS.has(e.name)) return unavailable(message);
  }
  // kafkajs 2.2.4 throws a plain Error when a broker accepted the connection but never answered its
  // ApiVersions handshake (a hung broker or a half-open path); measured at ~3 s with the defaults.
  if (chain.some((e) => e.name === 'Error' && e.message === 'Broker not connected')) {
    return unavailable('Broker not connected (no answer to the connection handshake)');
  }
  const outer = chain[0];
  if (outer && typeof outer.name === 'string' && outer.name.startsWith('KafkaJS')) {
    const message = String(outer.message ?? '');
    // Retries ran out, or the producer was disconnected under the call: an outage, not a verdict.
    if (outer.name === 'KafkaJSNumberOfRetriesExceeded' || outer.retriable === true)
      return unavailable(message);
    if (/producer is disconnect/i.test(message)) return unavailable(message);
    return new KafkaRejectedError(`Kafka client refused the publish: ${message}`, 'CLIENT_ERROR', {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

let lambdaPublisher: Publisher | undefined;
let shutdownHookInstalled = false;

/**
 * Creates an independent publisher with its own connection: for tests, benchmarks and tools. Lambda
 * code uses {@link publish}, which shares one connection per container.
 *
 * @example
 * ```ts
 * const publisher = createPublisher({ client: { brokers: ['127.0.0.1:9092'], auth: { mechanism: 'plaintext' } } });
 * await publisher.publish([{ topic: 'banku.account-commands', key: accountId, value: JSON.stringify(event) }]);
 * await publisher.disconnect();
 * ```
 */
export function createPublisher(options: PublisherOptions): Publisher {
  return new KafkaPublisher(options);
}

/**
 * The container's publisher, configured from the environment (see `kafkaClientOptionsFromEnv`), kept
 * across warm invocations, connected on first use, and disconnected on SIGTERM (sent by Lambda at
 * shutdown when an extension is registered).
 *
 * @example
 * ```ts
 * await getPublisher().publish(records);
 * ```
 */
export function getPublisher(): Publisher {
  if (!lambdaPublisher) {
    lambdaPublisher = createPublisher({ client: () => kafkaClientOptionsFromEnv(process.env) });
    installShutdownHook();
  }
  return lambdaPublisher;
}

/**
 * Publishes through the container's publisher ({@link getPublisher}).
 *
 * @example
 * ```ts
 * try {
 *   const [where] = await publish([{ topic, key: accountId, value: JSON.stringify(envelope), headers }]);
 * } catch (e) {
 *   if (e instanceof KafkaUnavailableError) return serviceUnavailable(e.retryAfterSeconds);
 *   throw e;
 * }
 * ```
 */
export function publish(records: readonly OutgoingRecord[]): Promise<PublishedRecord[]> {
  return getPublisher().publish(records);
}

// Lambda gives the runtime up to 300 ms after SIGTERM (500 ms with an internal extension) before SIGKILL.
// It sends SIGTERM only when an extension is registered; otherwise the sockets die with the sandbox.
const SHUTDOWN_BUDGET_MS = 300;

function installShutdownHook(): void {
  if (shutdownHookInstalled) return;
  shutdownHookInstalled = true;
  process.once('SIGTERM', () => {
    const publisher = lambdaPublisher;
    const budget = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS).unref());
    void Promise.race([publisher?.disconnect(), budget]).finally(() => {
      logger.info('kafka publisher closed on SIGTERM');
      // Our listener replaced Node's default (exit on SIGTERM); restore it unless others still listen.
      if (process.listenerCount('SIGTERM') === 0) process.exit(0);
    });
  });
}
