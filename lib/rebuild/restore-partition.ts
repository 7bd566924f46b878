import { randomUUID } from 'node:crypto';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { ProjectionStore } from '../projection/store.js';
import { factValue, partitionBatch } from '../projector/partition-batch.js';
import { toMskRecord } from './kafka-record.js';
import { replayFacts, type RestoreFold } from './replay-facts.js';

/** Facts applied per write while restoring. */
const REPLAY_SLICE = 100;

/** Options of {@link restorePartition}. */
export interface RestorePartitionOptions {
  kafka: Kafka;
  factsTopic: string;
  store: ProjectionStore;
  /** The commands partition that lost its state; its facts are on the same facts partition. */
  partition: number;
  /** The commands offset the partition's checkpoint is set to once its facts are back. */
  follows: string;
  /** Consumer settings (timeouts) for the reading group; it commits nothing. */
  consumer?: Partial<ConsumerConfig>;
  /** Gives up if reading the partition takes longer. */
  timeoutMs?: number;
}

/** What a restore did. */
export interface RestoreResult {
  namespace: string;
  /** Records read from the facts partition. */
  records: number;
  /** Facts applied: those the projection had lost (a fact it still held is skipped by its id). */
  facts: number;
}

/**
 * Puts back one partition's share of the projection from its facts partition, in the namespace in use:
 * every fact from the beginning is evolved (never decided) and applied unless the projection still
 * records it (its account's version includes it: a dedupe marker alone may have outlived a partial loss), then the partition's commands checkpoint is set to `follows`, the offset the event source
 * mapping committed. Everything decided before that offset was published before it was committed, so
 * the facts hold it all; the live projector then decides the batch it was refused against this state.
 *
 * Idempotent: run twice, or alongside an overlapping invocation, it applies each fact once.
 *
 * @example
 * ```ts
 * await restorePartition({ kafka, factsTopic: topicName('facts'), store, partition: 2, follows: '4711' });
 * ```
 */
export async function restorePartition(options: RestorePartitionOptions): Promise<RestoreResult> {
  const { kafka, factsTopic, store, partition } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const namespace = await store.currentNamespace();
  let records = 0;
  let facts = 0;
  const fold: RestoreFold = { accounts: new Map(), seen: new Set() };
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = (await admin.fetchTopicOffsets(factsTopic)).find((o) => o.partition === partition);
    if (!offsets)
      throw new Error(`${factsTopic} has no partition ${partition}; it must match the commands topic's`);
    const high = BigInt(offsets.high);
    // An empty facts partition (a new deployment) has nothing to read: no consumer group to join.
    if (high > BigInt(offsets.low)) {
      const consumer = kafka.consumer({ ...options.consumer, groupId: `banku-restore-${randomUUID()}` });
      let next = 0n;
      let failure: unknown;
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: factsTopic, fromBeginning: true });
        void consumer
          .run({
            autoCommit: false,
            eachBatchAutoResolve: true,
            eachBatch: async ({ batch, heartbeat, pause }) => {
              if (batch.partition !== partition || next >= high) {
                pause();
                return;
              }
              const wanted = batch.messages.filter(
                (message) => BigInt(message.offset) >= next && BigInt(message.offset) < high,
              );
              // In slices: one write per slice stays well inside a Redis request's deadline.
              for (let from = 0; from < wanted.length; from += REPLAY_SLICE) {
                const slice = wanted.slice(from, from + REPLAY_SLICE);
                const mskRecords = slice.map((message) => toMskRecord(batch.topic, batch.partition, message));
                facts += await replayFacts(
                  store,
                  partitionBatch(`${batch.topic}-${batch.partition}`, mskRecords, factValue),
                  namespace,
                  fold,
                );
                records += slice.length;
                const last = slice[slice.length - 1];
                if (last) next = BigInt(last.offset) + 1n;
                await heartbeat();
              }
            },
          })
          .catch((error: unknown) => {
            failure = error;
          });
        while (next < high) {
          if (failure) throw failure;
          if (Date.now() > deadline)
            throw new Error(`restoring partition ${partition} timed out at offset ${next} of ${high}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
    }
    await store.restoreCheckpoint({ namespace, partition, commandsOffset: options.follows });
    return { namespace, records, facts };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
