import type { DecisionRules } from '../domain/rules.js';
import type { BankEvent } from '../events/types.js';
import { BatchConflictError } from '../projection/errors.js';
import { DEFAULT_NAMESPACE } from '../projection/keys.js';
import type { ProjectionStore } from '../projection/store.js';
import type { OutboxMessage } from '../projection/types.js';
import { AccountCache } from './account-cache.js';
import type { PartitionBatch } from './partition-batch.js';
import { type BatchCounts, planBatch } from './plan-batch.js';

/** How the projector reaches Kafka: facts to the facts topic, saga requests to the commands topic. */
export type PublishOutbox = (messages: OutboxMessage[]) => Promise<void>;

/**
 * How the live projector runs. `acknowledged` remembers, by partition, the outbox positions Kafka has
 * acknowledged: the partition's next write removes them, which saves a Redis round trip per batch.
 * Should that write never come from this container, another invocation republishes them, and every
 * consumer's dedupe (by fact id, by request event id) absorbs the copies.
 */
export interface ProjectorOptions {
  publish: PublishOutbox;
  acknowledged?: Map<number, string[]>;
  /** What this process last knew of its accounts, to skip the read before most writes (see AccountCache). */
  cache?: AccountCache;
  /** The rules to decide by; the ones in force unless given. */
  rules?: DecisionRules;
}

/** Overlapping invocations of one partition are rare; a few fresh attempts settle them. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Projects one commands partition's batch: a pure decision and one atomic write that records its facts
 * and puts them (with the saga's follow-ups) in the partition's outbox, preceded by a read of the
 * batch's accounts unless this process already knows them. Then publishes what the outbox holds (this
 * batch's and any a crash left behind), in order; the next write forgets what Kafka acknowledged.
 * Throws only when Redis or Kafka fails, so that the event source mapping retries the batch; a retry is
 * harmless because decided requests are skipped.
 *
 * @example
 * ```ts
 * const counts = await projectPartitionBatch(store, batch, { publish });
 * ```
 */
export async function projectPartitionBatch(
  store: ProjectionStore,
  batch: PartitionBatch<BankEvent>,
  options: ProjectorOptions,
): Promise<BatchCounts> {
  const acknowledged = (options.acknowledged ??= new Map<number, string[]>());
  const accounts = [...new Set(batch.items.map((item) => item.value.accountId))];
  const requests = batch.items.map(({ value }) => ({
    transactionId: value.data.transactionId,
    requestEventId: value.eventId,
  }));
  const cache = (options.cache ??= new AccountCache());
  for (let attempt = 0; ; attempt += 1) {
    // First try what this process already knows; after any refusal, read what Redis holds.
    let state = attempt === 0 ? cache.lookup(accounts) : undefined;
    if (!state) {
      state = await store.readBatchState({
        namespace: cache.namespace ?? DEFAULT_NAMESPACE,
        followPointer: true,
        accounts,
        requests,
      });
      cache.rememberRead(state, accounts);
    }
    const { write, counts } = planBatch(batch, state, options.rules ? { rules: options.rules } : {});
    try {
      const outbox = await store.applyBatch(
        { ...write, acknowledgedOutbox: acknowledged.get(batch.partition) ?? [] },
        { returnOutbox: true },
      );
      acknowledged.delete(batch.partition);
      cache.rememberWrite(write.namespace, write.accounts);
      if (outbox.length > 0) {
        await options.publish(outbox);
        acknowledged.set(
          batch.partition,
          outbox.map((message) => message.position),
        );
      }
      return counts;
    } catch (error) {
      cache.clear();
      if (!(error instanceof BatchConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}
