import { randomUUID } from 'node:crypto';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { ProjectionStore } from '../projection/store.js';
import { factValue, partitionBatch } from '../projector/partition-batch.js';
import { toMskRecord } from './kafka-record.js';
import { replayFacts } from './replay-facts.js';

/** Options of {@link rebuildProjection}. */
export interface RebuildOptions {
  kafka: Kafka;
  /** The facts topic: the only thing a rebuild reads. */
  factsTopic: string;
  /**
   * The commands topic, checked to have as many partitions as the facts topic before a switch: the
   * live projector's partition p writes facts partition p, which is what the switch compares.
   */
  commandsTopic: string;
  store: ProjectionStore;
  /** The namespace to fill; a fresh `rebuild-<time>` by default. It must be empty. */
  namespace?: string;
  /** Point in time: apply, on each partition, the facts recorded at or before it, and do not switch. */
  until?: Date;
  /** Switch readers and the live projector to the rebuilt namespace once it has caught up. */
  switchWhenCaughtUp: boolean;
  /** Consumer settings (timeouts) for the reading group; it commits nothing. */
  consumer?: Partial<ConsumerConfig>;
  /** Gives up if catching up or switching takes longer. */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
}

/** What a rebuild did. */
export interface RebuildResult {
  namespace: string;
  switched: boolean;
  /** Records read from the facts topic (duplicates included). */
  records: number;
  /** Facts applied (each fact id once). */
  facts: number;
  /** The namespace readers used before, when the rebuild switched away from it. */
  previousNamespace?: string;
}

/**
 * Rebuilds the projection from the beginning of the facts topic into a fresh namespace. It only evolves:
 * it never decides a request again (a rule changed since cannot rewrite history) and publishes nothing.
 * Then, unless it is a point-in-time build, it switches readers to the new namespace atomically, once
 * that holds every fact the live namespace holds.
 *
 * @example
 * ```ts
 * const { namespace } = await rebuildProjection({ kafka, factsTopic, commandsTopic, store, switchWhenCaughtUp: true });
 * ```
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { kafka, factsTopic, store } = options;
  const until = options.until?.getTime();
  const namespace = options.namespace ?? `rebuild-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const say = options.onProgress ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  if (await store.holdsProjection(namespace)) {
    throw new Error(`namespace ${namespace} already holds a projection; rebuild into an empty one`);
  }

  // Next offset read, by partition; and the partitions a point-in-time build has finished.
  const consumed = new Map<number, bigint>();
  const pastUntil = new Set<number>();
  let records = 0;
  let facts = 0;
  const admin = kafka.admin();
  const consumer = kafka.consumer({ ...options.consumer, groupId: `banku-rebuild-${randomUUID()}` });
  await admin.connect();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: factsTopic, fromBeginning: true });
    let failure: unknown;
    void consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat }) => {
          // A point in time is a prefix of each partition: a fact's account history must stay whole.
          let wanted = batch.messages;
          if (until !== undefined) {
            const cut = pastUntil.has(batch.partition)
              ? 0
              : wanted.findIndex((message) => Number(message.timestamp) > until);
            if (cut >= 0) {
              wanted = wanted.slice(0, cut);
              pastUntil.add(batch.partition);
            }
          }
          if (wanted.length > 0) {
            const topicPartition = `${batch.topic}-${batch.partition}`;
            const mskRecords = wanted.map((message) => toMskRecord(batch.topic, batch.partition, message));
            facts += await replayFacts(
              store,
              partitionBatch(topicPartition, mskRecords, factValue),
              namespace,
            );
          }
          records += wanted.length;
          const last = batch.messages[batch.messages.length - 1];
          if (last) consumed.set(batch.partition, BigInt(last.offset) + 1n);
          await heartbeat();
        },
      })
      .catch((error: unknown) => {
        failure = error;
      });

    const waitUntil = async (caughtUp: () => Promise<string | undefined>, what: string) => {
      for (;;) {
        if (failure) throw failure;
        const behind = await caughtUp();
        if (behind === undefined) return;
        if (Date.now() > deadline) throw new Error(`rebuild timed out waiting for ${what}: ${behind}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const ends = (await admin.fetchTopicOffsets(factsTopic)).map(({ partition, high }) => ({
      partition,
      high: BigInt(high),
    }));
    await waitUntil(async () => {
      const behind = ends.filter(({ partition, high }) => (consumed.get(partition) ?? 0n) < high);
      return behind.length === 0 ? undefined : `${behind.length} partitions behind`;
    }, 'the end of the facts topic');
    say(`rebuilt ${facts} facts (${records} records) into namespace ${namespace}`);
    if (!options.switchWhenCaughtUp || until !== undefined) {
      return { namespace, switched: false, records, facts };
    }

    const partitions = ends.map(({ partition }) => partition);
    const commandPartitions = (await admin.fetchTopicOffsets(options.commandsTopic)).length;
    if (commandPartitions !== partitions.length) {
      throw new Error(
        `${options.commandsTopic} has ${commandPartitions} partitions and ${factsTopic} ${partitions.length}; ` +
          'they must match (lib/config/topics.ts) for a rebuild to know it has caught up; nothing was switched',
      );
    }
    const previousNamespace = await store.currentNamespace();
    for (;;) {
      // Catch up with every fact the live projector holds (published, or about to be from its outbox),
      // then switch in one atomic step that checks it again.
      const live = (await store.checkpoint(previousNamespace)).factsApplied;
      await waitUntil(async () => {
        const rebuilt = (await store.checkpoint(namespace)).factsApplied;
        const behind = [...live].filter(([partition, count]) => (rebuilt.get(partition) ?? 0) < count);
        return behind.length === 0
          ? undefined
          : behind.map(([p, count]) => `partition ${p}: ${rebuilt.get(p) ?? 0} of ${count} facts`).join(', ');
      }, 'the live projector (are its facts being published?)');
      const outcome = await store.switchNamespace({ from: previousNamespace, to: namespace, partitions });
      if (outcome === 'switched') {
        say(`readers switched from ${previousNamespace} to ${namespace}`);
        return { namespace, switched: true, records, facts, previousNamespace };
      }
      if (outcome === 'moved')
        throw new Error('another rebuild switched the projection meanwhile; nothing was switched');
      if (Date.now() > deadline)
        throw new Error('rebuild could not catch up with the live projector in time');
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
