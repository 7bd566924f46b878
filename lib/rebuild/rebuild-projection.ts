import { randomUUID } from 'node:crypto';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import { DEFAULT_NAMESPACE, projectionKeys } from '../projection/keys.js';
import type { ProjectionStore } from '../projection/store.js';
import { partitionBatch } from '../projector/partition-batch.js';
import { projectPartitionBatch } from '../projector/project-batch.js';
import { toMskRecord } from './kafka-record.js';
import { SWITCH_NAMESPACE_LUA } from './switch-script.js';

/** Options of {@link rebuildProjection}. */
export interface RebuildOptions {
  kafka: Kafka;
  topic: string;
  store: ProjectionStore;
  /** The namespace to fill; a fresh `rebuild-<time>` by default. It must be empty. */
  namespace?: string;
  /** Point in time: apply only records stamped at or before it, and do not switch. */
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
  records: number;
  /** The namespace readers used before, when the rebuild switched away from it. */
  previousNamespace?: string;
}

/**
 * Rebuilds the projection from the beginning of the topic into a fresh namespace: the same decoding,
 * deciding and atomic writes as the live projector, but nothing is published (replay is side-effect
 * free: the saga's follow-ups are already in the log). Then, unless it is a point-in-time build,
 * switches readers to it atomically once it has applied at least everything the live namespace has.
 *
 * @example
 * ```ts
 * const { namespace } = await rebuildProjection({ kafka, topic, store, switchWhenCaughtUp: true });
 * ```
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { kafka, topic, store } = options;
  const until = options.until?.getTime();
  const namespace = options.namespace ?? `rebuild-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const say = options.onProgress ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  if ((await store.redis.exists(projectionKeys(store.prefix, namespace).checkpoint)) > 0) {
    throw new Error(`namespace ${namespace} already holds a projection; rebuild into an empty one`);
  }

  // next offset applied, by partition
  const applied = new Map<number, bigint>();
  let records = 0;
  const admin = kafka.admin();
  const consumer = kafka.consumer({ ...options.consumer, groupId: `banku-rebuild-${randomUUID()}` });
  await admin.connect();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let failure: unknown;
    void consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat }) => {
          const wanted = batch.messages.filter(
            (message) => until === undefined || Number(message.timestamp) <= until,
          );
          if (wanted.length > 0) {
            const records = wanted.map((message) => toMskRecord(batch.topic, batch.partition, message));
            await projectPartitionBatch(store, partitionBatch(`${batch.topic}-${batch.partition}`, records), {
              kind: 'rebuild',
              namespace,
            });
          }
          records += wanted.length;
          const last = batch.messages[batch.messages.length - 1];
          if (last) applied.set(batch.partition, BigInt(last.offset) + 1n);
          await heartbeat();
        },
      })
      .catch((error: unknown) => {
        failure = error;
      });

    const waitFor = async (targets: Map<number, bigint>, what: string) => {
      for (;;) {
        if (failure) throw failure;
        const behind = [...targets].filter(([partition, target]) => (applied.get(partition) ?? 0n) < target);
        if (behind.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(`rebuild timed out waiting for ${what}: ${behind.length} partitions behind`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)] as const),
    );
    await waitFor(ends, 'the end of the log');
    say(`rebuilt ${records} records into namespace ${namespace}`);
    if (!options.switchWhenCaughtUp || until !== undefined) return { namespace, switched: false, records };

    const previousNamespace = await store.currentNamespace();
    const switchScript = store.redis.createScript<string>(SWITCH_NAMESPACE_LUA);
    for (;;) {
      // Catch up with whatever the live projector applied meanwhile, then switch in one atomic step.
      const live = await liveCheckpoints(store, previousNamespace, topic);
      await waitFor(live, 'the live projector');
      const outcome = await switchScript.exec(
        [],
        [
          JSON.stringify({
            prefix: store.prefix,
            defaultNamespace: DEFAULT_NAMESPACE,
            from: previousNamespace,
            to: namespace,
          }),
        ],
      );
      if (outcome === 'switched') {
        say(`readers switched from ${previousNamespace} to ${namespace}`);
        return { namespace, switched: true, records, previousNamespace };
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

async function liveCheckpoints(
  store: ProjectionStore,
  namespace: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const reply: unknown = await store.redis.hgetall(projectionKeys(store.prefix, namespace).checkpoint);
  const flat = Array.isArray(reply)
    ? (reply as string[])
    : Object.entries(reply ?? {})
        .flat()
        .map(String);
  const targets = new Map<number, bigint>();
  for (let i = 0; i < flat.length; i += 2) {
    const field = String(flat[i]);
    if (!field.startsWith(`${topic}-`)) continue;
    targets.set(Number(field.slice(topic.length + 1)), BigInt(String(flat[i + 1])) + 1n);
  }
  return targets;
}
