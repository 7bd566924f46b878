import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DecisionRules } from '../domain/rules.js';
import type { BankEvent } from '../events/types.js';
import { logger } from '../logging/logger.js';
import {
  BatchConflictError,
  ProjectionStateLostError,
  RequestsAbandonedError,
} from '../projection/errors.js';
import { DEFAULT_NAMESPACE } from '../projection/keys.js';
import type { ProjectionStore } from '../projection/store.js';
import type { BatchState, DeadLetter, OutboxMessage } from '../projection/types.js';
import { RedisCommandError } from '../redis/errors.js';
import { AccountCache } from './account-cache.js';
import { projectorMetrics } from './metrics.js';
import type { MskRecord } from './msk-event.js';
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
  /**
   * Restores one partition's state from the facts topic, up to the offset its checkpoint should have
   * reached, when the projection lost it. Without it, a lost state only refuses the batch.
   */
  restore?: RestorePartition;
}

/** Puts back what the facts say of one commands partition, and its checkpoint at `follows`. */
export type RestorePartition = (lost: ProjectionStateLostError) => Promise<void>;

/** Overlapping invocations of one partition are rare; a few fresh attempts settle them. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Projects one commands partition's batch: a pure decision and one atomic write that records its facts
 * and puts them (with the saga's follow-ups and the batch's dead letters) in the partition's outbox,
 * preceded by a read of the batch's accounts unless this process already knows them. Then publishes what
 * the outbox holds (this batch's and any a crash left behind), in order; the next write forgets what
 * Kafka acknowledged.
 *
 * No record can block the partition: a record that cannot be decided or applied (its content breaks a
 * later stage than decoding) is found by bisecting the batch and dead-lettered alone; the rest is applied.
 * A projection that lost the state its offsets imply is never decided against: the write is refused, the
 * partition restored from the facts (when `restore` is given) and the batch decided again. Throws only
 * when Redis or Kafka fails, or state is lost and cannot be restored here, so that the event source
 * mapping retries the batch; a retry is harmless because decided requests are skipped.
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
  try {
    return await projectRestoring(store, batch, options);
  } catch (error) {
    if (!(error instanceof RecordContentError)) throw error;
    return bisect(store, batch, options, error);
  }
}

/**
 * Refused for a property of the batch's records, not of the infrastructure: deciding or encoding threw,
 * or Redis refused the write's data. Bisecting finds the record.
 */
class RecordContentError extends Error {
  constructor(
    readonly reason: 'decide_failed' | 'apply_failed',
    cause: unknown,
  ) {
    super(`${reason}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RecordContentError';
  }
}

/**
 * Splits a batch that failed for its content into halves projected in order, down to the one record
 * that fails alone, which is dead-lettered. If even the dead letter cannot be written, the failure was
 * not the record's: it is thrown, and the batch retried.
 */
async function bisect(
  store: ProjectionStore,
  batch: PartitionBatch<BankEvent>,
  options: ProjectorOptions,
  failure: RecordContentError,
): Promise<BatchCounts> {
  const [only] = batch.items;
  if (batch.items.length === 1 && only) {
    logger.warn('record refused while deciding or applying', {
      partition: batch.partition,
      offset: only.offset,
      reason: failure.reason,
      error: failure.message,
    });
    const letter = deadLetter(only.record, failure);
    return projectRestoring(
      store,
      { ...batch, items: [], deadLetters: [...batch.deadLetters, letter] },
      options,
    ).catch((error: unknown) => {
      // A write holding no request failed too: the script or Redis is at fault, not this record.
      throw error instanceof RecordContentError ? (error.cause as Error) : error;
    });
  }
  if (batch.items.length === 0) throw failure.cause;
  const middle = Math.ceil(batch.items.length / 2);
  const halves = splitBatch(batch, middle);
  const total: BatchCounts = { records: 0, applied: 0, rejected: 0, duplicates: 0, deadLettered: 0 };
  for (const half of halves) {
    const counts = await projectPartitionBatch(store, half, options);
    for (const name of Object.keys(total) as (keyof BatchCounts)[]) total[name] += counts[name];
  }
  return total;
}

/** Two batches of the same partition, before and from item `at`; each holds the dead letters of its offsets. */
function splitBatch(batch: PartitionBatch<BankEvent>, at: number): PartitionBatch<BankEvent>[] {
  const right = batch.items.slice(at);
  const from = BigInt(right[0]?.offset ?? batch.lastOffset);
  const before = (offset: string) => BigInt(offset) < from;
  return [
    {
      ...batch,
      lastOffset: String(from - 1n),
      items: batch.items.slice(0, at),
      deadLetters: batch.deadLetters.filter((letter) => before(letter.offset)),
    },
    {
      ...batch,
      firstOffset: String(from),
      items: right,
      deadLetters: batch.deadLetters.filter((letter) => !before(letter.offset)),
    },
  ];
}

function deadLetter(record: MskRecord, failure: RecordContentError): DeadLetter {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    reason: failure.reason,
    message: failure.message,
    key: record.key == null ? null : Buffer.from(record.key, 'base64').toString('utf8'),
    value: record.value ?? null,
    at: new Date(record.timestamp).toISOString(),
  };
}

/** Projects a batch; when the projection lost state, restores the partition once and projects again. */
async function projectRestoring(
  store: ProjectionStore,
  batch: PartitionBatch<BankEvent>,
  options: ProjectorOptions,
): Promise<BatchCounts> {
  try {
    return await projectOnce(store, batch, options);
  } catch (error) {
    if (!(error instanceof ProjectionStateLostError)) throw error;
    projectorMetrics.addMetric('stateLost', MetricUnit.Count, 1);
    logger.error('projection state lost; refusing to decide, restoring the partition from the facts', {
      partition: error.partition,
      follows: error.follows,
      checkpoint: error.checkpoint,
    });
    if (!options.restore) throw error;
    const started = Date.now();
    await options.restore(error);
    projectorMetrics.addMetric('restoreTime', MetricUnit.Milliseconds, Date.now() - started);
    logger.info('partition restored from the facts', {
      partition: error.partition,
      follows: error.follows,
      ms: Date.now() - started,
    });
    return projectOnce(store, batch, options);
  }
}

async function projectOnce(
  store: ProjectionStore,
  batch: PartitionBatch<BankEvent>,
  options: ProjectorOptions,
): Promise<BatchCounts> {
  const acknowledged = (options.acknowledged ??= new Map<number, string[]>());
  const accounts = [...new Set(batch.items.map((item) => item.value.accountId))];
  const requests = batch.items.map(({ value }) => value.eventId);
  const cache = (options.cache ??= new AccountCache());
  // Commands found abandoned by a refused write: decided as abandoned on the next attempt.
  const abandoned = new Set<string>();
  for (let attempt = 0; ; attempt += 1) {
    try {
      // First try what this process already knows, reading only the accounts it has not seen; after
      // any refusal, or if another write reached the partition meanwhile, read all that Redis holds.
      let state = attempt === 0 ? await knownState(store, cache, batch.partition, accounts) : undefined;
      // After a full read, the outbox may hold what an earlier invocation wrote and did not get to
      // publish (a crash, another container): the write returns it all. Otherwise this container
      // published everything it wrote before, and the outbox holds this batch's messages only.
      const fresh = state === undefined;
      if (!state) {
        state = await store
          .readBatchState({
            namespace: cache.namespace ?? DEFAULT_NAMESPACE,
            followPointer: true,
            partition: batch.partition,
            accounts,
            requests,
          })
          .catch(asContentFailure('apply_failed'));
        cache.rememberRead(state, batch.partition, accounts);
      }
      let planned: ReturnType<typeof planBatch>;
      try {
        planned = planBatch(batch, state, { abandoned, ...(options.rules ? { rules: options.rules } : {}) });
      } catch (error) {
        throw new RecordContentError('decide_failed', error);
      }
      const { write, counts } = planned;
      const leftOver = await store
        .applyBatch(
          { ...write, acknowledgedOutbox: acknowledged.get(batch.partition) ?? [] },
          { returnOutbox: fresh },
        )
        .catch(asContentFailure('apply_failed'));
      acknowledged.delete(batch.partition);
      cache.rememberWrite(write);
      const outbox = fresh ? leftOver : write.outbox;
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
      if (error instanceof RequestsAbandonedError) for (const id of error.transactionIds) abandoned.add(id);
      if (!(error instanceof BatchConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}

/**
 * The batch's state from what this container knows, with the accounts it has not seen read from Redis;
 * undefined when it knows nothing of the partition, or when the read shows another write reached the
 * partition since (what it knows may be stale). Requests are not read: the write refuses any already
 * decided, as for a batch decided from the cache alone.
 */
async function knownState(
  store: ProjectionStore,
  cache: AccountCache,
  partition: number,
  accounts: readonly string[],
): Promise<BatchState | undefined> {
  const known = cache.lookup(partition, accounts);
  if (!known || known.missing.length === 0) return known?.state;
  const read = await store
    .readBatchState({
      namespace: known.state.namespace,
      followPointer: true,
      partition,
      accounts: known.missing,
      requests: [],
    })
    .catch(asContentFailure('apply_failed'));
  if (read.namespace !== known.state.namespace || read.partitionFacts !== known.state.partitionFacts) {
    cache.clear(read.namespace);
    return undefined;
  }
  cache.rememberRead(read, partition, known.missing);
  return { ...known.state, accounts: new Map([...known.state.accounts, ...read.accounts]) };
}

/** Redis refusing a script's data is the records' doing; every other failure is the infrastructure's. */
function asContentFailure(reason: RecordContentError['reason']) {
  return (error: unknown): never => {
    throw error instanceof RedisCommandError ? new RecordContentError(reason, error) : error;
  };
}
