import { type Consumer, type ConsumerConfig, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { toMskRecord } from './event-shape.js';
import { type ResolvedMapping, resolveMapping } from './mapping-config.js';
import { PartitionWorker } from './partition-worker.js';
import { retryRetriable } from './retry-retriable.js';
import { passesStartGuard, resolveStartGuards, type StartGuard } from './start-position.js';
import type { DiscardedBatch, InvokeFunction, MappingConfig, MappingLogger } from './types.js';

/**
 * Consumer settings the runner uses unless told otherwise: quick to notice data and rebalances on a
 * local broker. (librdkafka's mock answers an empty Fetch only after the full wait, so the default
 * 5 s wait would add seconds of latency; a short session timeout keeps restarts quick, since a
 * rejoining group waits for the member that left.)
 *
 * @example
 * startMapping({ brokers: ['127.0.0.1:9092'], mapping, invoke, consumerSettings: { ...DEFAULT_CONSUMER_SETTINGS, sessionTimeout: 10_000 } });
 */
export const DEFAULT_CONSUMER_SETTINGS = {
  maxWaitTimeInMs: 100,
  sessionTimeout: 6_000,
  rebalanceTimeout: 6_000,
  heartbeatInterval: 500,
} as const satisfies Partial<ConsumerConfig>;

/** AWS's synchronous invocation payload limit is 6 MB; leave room for the event's envelope. */
const DEFAULT_MAX_PAYLOAD_BYTES = 6_000_000;

/**
 * How to run one mapping. Give either a kafkajs `kafka` client or `brokers` (plus `clientSettings`).
 *
 * @example
 * const options: StartMappingOptions = {
 *   brokers: ['127.0.0.1:9092'],
 *   mapping: { functionName: 'svc-dev-project', topic: 'orders', batchSize: 50 },
 *   invoke: async (event) => handler(event),
 * };
 */
export interface StartMappingOptions {
  kafka?: Kafka;
  brokers?: readonly string[];
  /** kafkajs client settings when the runner builds the client from `brokers`. */
  clientSettings?: Omit<KafkaConfig, 'brokers'>;
  mapping: MappingConfig;
  invoke: InvokeFunction;
  /** Merged over {@link DEFAULT_CONSUMER_SETTINGS}; `groupId` comes from the mapping. */
  consumerSettings?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  logger?: MappingLogger;
  /** Called for a batch given up after `retry.maximumRetryAttempts` (never with the default -1). */
  onDiscard?: (batch: DiscardedBatch) => void;
  /** Largest JSON event; default 6,000,000 bytes. */
  maxPayloadBytes?: number;
}

/**
 * A running mapping.
 *
 * @example
 * const handle = startMapping(options);
 * await handle.joined;
 * await handle.stop();
 */
export interface MappingHandle {
  /** The mapping with defaults applied (e.g. the consumer group id in use). */
  readonly mapping: ResolvedMapping;
  /**
   * Resolves once the consumer has joined its group and the starting position is fixed: from then on
   * every record produced is delivered. Rejects if the mapping cannot start. A disabled mapping
   * resolves at once and never consumes.
   */
  readonly joined: Promise<void>;
  /**
   * Stops gracefully: no new invocation starts; an invocation in flight finishes and, if it succeeds,
   * is committed; records waiting for their batch (or for a retry) are left uncommitted, so they are
   * delivered again after a restart. Then the consumer leaves its group. Safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * Runs one Lambda event source mapping for Kafka (MSK or self-managed) against any Kafka-protocol
 * broker, invoking `invoke` the way Lambda would: batches of up to `batchSize` records of one
 * partition, in offset order, after at most the batching window; offsets committed only after the
 * invocation succeeded; failed batches retried whole, with capped exponential back-off, never skipped
 * (unless `maximumRetryAttempts` says so); filtered-out records committed without an invocation.
 *
 * Each mapping is one consumer group (kafkajs, `eachBatch`, no auto-commit, no auto-resolve). While a
 * partition waits or retries, its fetching is paused (once two batches are buffered) and the consumer
 * keeps heartbeating, so long retries never cost the group its membership.
 *
 * @example
 * const handle = startMapping({
 *   brokers: ['127.0.0.1:9092'],
 *   mapping: { functionName: 'svc-dev-project', topic: 'orders', startingPosition: 'TRIM_HORIZON' },
 *   invoke: async (event) => { for (const records of Object.values(event.records)) console.log(records.length); },
 * });
 * await handle.joined;
 * // … later
 * await handle.stop();
 */
export function startMapping(options: StartMappingOptions): MappingHandle {
  const brokers = options.brokers?.join(',');
  const mapping = resolveMapping(options.mapping, brokers ?? '');
  if (!options.kafka && !options.brokers?.length) {
    throw new TypeError('startMapping needs either `kafka` or `brokers`');
  }
  if (!mapping.enabled) {
    options.logger?.info?.(`offline-msk: ${mapping.functionName} mapping of ${mapping.topic} is disabled`);
    return { mapping, joined: Promise.resolve(), stop: async () => undefined };
  }
  const kafka =
    options.kafka ??
    new Kafka({ logLevel: logLevel.WARN, ...options.clientSettings, brokers: [...(options.brokers ?? [])] });
  return new MappingRunner(kafka, mapping, options).handle();
}

class MappingRunner {
  private readonly logger: MappingLogger;
  private readonly stopController = new AbortController();
  private readonly workers = new Map<number, PartitionWorker>();
  /** Workers retired by a rebalance, per partition, until their successor has taken over. */
  private readonly retiring = new Map<number, Promise<void>>();
  private readonly paused = new Set<number>();
  private guards = new Map<number, StartGuard>();
  private consumer: Consumer | undefined;
  private readonly joined: Promise<void>;
  private markJoined!: () => void;
  private failJoin!: (error: unknown) => void;
  private hasJoined = false;
  private joinSettled = false;
  /** Settles once the start positions are committed; partition commits wait for it, never to go behind it. */
  private startFixed: Promise<void> = Promise.resolve();
  private readonly started: Promise<void>;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly mapping: ResolvedMapping,
    private readonly options: StartMappingOptions,
  ) {
    this.logger = options.logger ?? {};
    this.joined = new Promise<void>((resolve, reject) => {
      this.markJoined = () => {
        this.joinSettled = true;
        resolve();
      };
      this.failJoin = (error) => {
        this.joinSettled = true;
        reject(error);
      };
    });
    // Callers that never await `joined` must not see an unhandled rejection.
    this.joined.catch(() => undefined);
    this.started = this.start().catch((error: unknown) => {
      this.logger.error?.(`offline-msk: ${mapping.functionName} could not start: ${describe(error)}`);
      this.failJoin(error);
    });
  }

  handle(): MappingHandle {
    return { mapping: this.mapping, joined: this.joined, stop: () => this.stop() };
  }

  private async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      this.guards = await retryRetriable(() => resolveStartGuards(admin, this.mapping), 30_000);
    } finally {
      await admin.disconnect();
    }
    if (this.stopController.signal.aborted) return;

    const consumer = this.kafka.consumer({
      ...DEFAULT_CONSUMER_SETTINGS,
      ...this.options.consumerSettings,
      groupId: this.mapping.consumerGroupId,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onJoin(payload.memberAssignment));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error?.(
        `offline-msk: ${this.mapping.functionName} consumer crashed${payload.restart ? ', restarting' : ''}: ${describe(payload.error)}`,
      );
      if (!payload.restart) this.failJoin(payload.error);
    });
    await consumer.connect();
    // Partitions without committed offsets start at the log start; the start guards move them on.
    await consumer.subscribe({ topics: [this.mapping.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
        if (this.stopController.signal.aborted) return;
        const worker = this.workerFor(batch.partition);
        let complete = true;
        for (const message of batch.messages) {
          if (!isRunning() || isStale() || this.stopController.signal.aborted) {
            complete = false;
            break;
          }
          const offset = Number(message.offset);
          const take =
            passesStartGuard(this.guards, batch.partition, offset, Number(message.timestamp)) &&
            this.mapping.filter({ key: message.key, value: message.value });
          worker.add(offset, take ? toMskRecord(batch.topic, batch.partition, message) : undefined);
          resolveOffset(message.offset);
        }
        if (complete && batch.messages.length > 0) worker.skipThrough(Number(batch.lastOffset()));
      },
    });
  }

  private onJoin(assignment: Record<string, number[]>): void {
    if (this.stopController.signal.aborted) return;
    // A new generation re-reads from the committed offsets: workers of the old one stop (an
    // in-flight invocation finishes first) and their successors start from scratch.
    for (const [partition, worker] of this.workers) this.retiring.set(partition, worker.retire());
    this.workers.clear();
    if (this.paused.size > 0) {
      this.consumer?.resume([{ topic: this.mapping.topic, partitions: [...this.paused] }]);
      this.paused.clear();
    }
    if (this.hasJoined) {
      this.logger.info?.(
        `offline-msk: ${this.mapping.functionName} rejoined group ${this.mapping.consumerGroupId}`,
      );
      return;
    }
    this.hasJoined = true;
    const assigned = assignment[this.mapping.topic] ?? [];
    this.startFixed = this.fixStartPositions(assigned);
    void this.startFixed.then(() => {
      this.logger.info?.(
        `offline-msk: ${this.mapping.functionName} consuming ${this.mapping.topic} (group ${this.mapping.consumerGroupId})`,
      );
      this.markJoined();
    });
  }

  /**
   * Seeks the consumer to the start guards (so it does not read what it would skip) and commits them,
   * so the starting position holds across restarts, as it does on AWS once a mapping exists.
   */
  private async fixStartPositions(assigned: number[]): Promise<void> {
    const consumer = this.consumer as Consumer;
    const topic = this.mapping.topic;
    const starts = assigned.flatMap((partition) => {
      const guard = this.guards.get(partition);
      return guard?.kind === 'offset' ? [{ topic, partition, offset: String(guard.offset) }] : [];
    });
    if (starts.length === 0) return;
    for (const start of starts) consumer.seek(start);
    // kafkajs drops commits until its runner is marked running, which happens just after GROUP_JOIN.
    await new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.FETCH_START, () => {
        off();
        resolve();
      });
    });
    try {
      await consumer.commitOffsets(starts);
    } catch (error) {
      // Still correct in this run (the guards skip the records); only the restart behaviour differs.
      this.logger.warn?.(
        `offline-msk: ${this.mapping.functionName} could not commit its start: ${describe(error)}`,
      );
    }
  }

  private workerFor(partition: number): PartitionWorker {
    const existing = this.workers.get(partition);
    if (existing) return existing;
    const previous = this.retiring.get(partition);
    this.retiring.delete(partition);
    const topic = this.mapping.topic;
    const worker = new PartitionWorker(
      {
        mapping: this.mapping,
        partition,
        invoke: this.options.invoke,
        commit: async (offset) => {
          await this.startFixed;
          await (this.consumer as Consumer).commitOffsets([{ topic, partition, offset: String(offset) }]);
        },
        pause: () => {
          this.paused.add(partition);
          this.consumer?.pause([{ topic, partitions: [partition] }]);
        },
        resume: () => {
          this.paused.delete(partition);
          this.consumer?.resume([{ topic, partitions: [partition] }]);
        },
        logger: this.logger,
        onDiscard: this.options.onDiscard,
        stopSignal: this.stopController.signal,
        maxPayloadBytes: this.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      },
      previous,
    );
    this.workers.set(partition, worker);
    return worker;
  }

  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopController.abort();
      await this.started;
      await Promise.all([...[...this.workers.values()].map((w) => w.done), ...this.retiring.values()]);
      await this.consumer?.disconnect();
      if (!this.joinSettled)
        this.failJoin(new Error(`offline-msk: ${this.mapping.functionName} stopped before joining`));
    })();
    return this.stopping;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
