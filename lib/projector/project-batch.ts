import { BatchConflictError } from '../projection/errors.js';
import type { ProjectionStore } from '../projection/store.js';
import type { OutboxMessage } from '../projection/types.js';
import { AccountCache } from './account-cache.js';
import { type BatchCounts, type PartitionBatch, planBatch } from './plan-batch.js';

/** How the projector reaches Kafka for the saga's follow-ups. */
export type PublishOutbox = (messages: OutboxMessage[]) => Promise<void>;

/**
 * Live projection follows the namespace pointer and publishes; a rebuild writes a given namespace silently.
 * `acknowledged` remembers, by partition, the outbox messages Kafka has acknowledged: the partition's next
 * write removes them, which saves a Redis round trip per batch. Should that write never come from this
 * container, another invocation republishes them, and the event-id dedupe absorbs the copies.
 */
export type ProjectionMode = (
  | { kind: 'live'; publish: PublishOutbox; acknowledged?: Map<string, string[]> }
  | { kind: 'rebuild'; namespace: string }
) & {
  /** What this process last knew of its accounts, to skip the read before most writes (see AccountCache). */
  cache?: AccountCache;
};

/** Overlapping invocations of one partition are rare; a few fresh attempts settle them. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Projects one partition's batch: a pure decision and one atomic write, preceded by a read of the batch's
 * accounts unless this process already knows them. Then, live, publishes
 * what the partition's outbox holds (this batch's follow-ups and any a crash left behind); the next write
 * forgets what Kafka acknowledged. Throws only when Redis or Kafka fails, so that the event source mapping retries the
 * batch; a retry is harmless because applied event ids are skipped.
 *
 * @example
 * ```ts
 * const counts = await projectPartitionBatch(store, batch, { kind: 'live', publish });
 * ```
 */
export async function projectPartitionBatch(
  store: ProjectionStore,
  batch: PartitionBatch,
  mode: ProjectionMode,
): Promise<BatchCounts> {
  const acknowledged = mode.kind === 'live' ? (mode.acknowledged ??= new Map<string, string[]>()) : undefined;
  const accounts = [...new Set(batch.events.map((event) => event.accountId))];
  const events = [...new Set(batch.events.map((event) => event.eventId))];
  const cache = (mode.cache ??= new AccountCache());
  for (let attempt = 0; ; attempt += 1) {
    // First try what this process already knows; after any refusal, read what Redis holds.
    let state = attempt === 0 ? cache.lookup(accounts) : undefined;
    if (!state || (mode.kind === 'rebuild' && state.namespace !== mode.namespace)) {
      state = await store.readBatchState({
        accounts,
        events,
        ...(mode.kind === 'rebuild' ? { namespace: mode.namespace } : {}),
      });
      cache.rememberRead(state, accounts);
    }
    const { write, counts } = planBatch(batch, state, {
      withOutbox: mode.kind === 'live',
      followPointer: mode.kind === 'live',
    });
    try {
      const outbox = await store.applyBatch(
        { ...write, acknowledgedOutbox: acknowledged?.get(batch.topicPartition) ?? [] },
        { returnOutbox: mode.kind === 'live' },
      );
      acknowledged?.delete(batch.topicPartition);
      cache.rememberWrite(write.namespace, write.accounts);
      if (mode.kind === 'live' && outbox.length > 0) {
        await mode.publish(outbox);
        acknowledged?.set(
          batch.topicPartition,
          outbox.map((message) => message.eventId),
        );
      }
      return counts;
    } catch (error) {
      cache.clear();
      if (!(error instanceof BatchConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}
