import { logger } from '../logging/logger.js';
import { requestLogKeys } from '../logging/trace-context.js';
import type { ProjectionStore } from '../projection/store.js';
import { recordBatchMetrics } from './metrics.js';
import { parseMskEvent } from './msk-event.js';
import { requestBatches } from './partition-batch.js';
import type { BatchCounts } from './plan-batch.js';
import { type ProjectorOptions, projectPartitionBatch } from './project-batch.js';

/**
 * The projector's whole invocation: every partition's batch decided, its facts recorded and published (partitions in parallel: they
 * own disjoint accounts), metrics recorded, dead letters logged. Any infrastructure failure throws, so
 * the event source mapping retries the batch; already-decided requests are skipped on the retry.
 *
 * @example
 * ```ts
 * export const handler = (event: unknown) => handleMskEvent(event, await projectionStore(), { publish });
 * ```
 */
export async function handleMskEvent(
  rawEvent: unknown,
  store: ProjectionStore,
  options: ProjectorOptions,
): Promise<BatchCounts> {
  const event = parseMskEvent(rawEvent);
  const batches = requestBatches(event);
  const results = await Promise.all(batches.map((batch) => projectPartitionBatch(store, batch, options)));
  const totals: BatchCounts = { records: 0, applied: 0, rejected: 0, duplicates: 0, deadLettered: 0 };
  for (const counts of results) {
    for (const name of Object.keys(totals) as (keyof BatchCounts)[]) totals[name] += counts[name];
  }
  for (const batch of batches) {
    for (const { value: event, traceparent } of batch.items) {
      logger.info('event projected', {
        event_id: event.eventId,
        event_type: event.type,
        account_id: event.accountId,
        transaction_id: event.data.transactionId,
        topic_partition: batch.topicPartition,
        ...requestLogKeys(traceparent, event.metadata.correlationId),
      });
    }
    for (const letter of batch.deadLetters) {
      logger.warn('record dead-lettered', {
        topic: letter.topic,
        partition: letter.partition,
        offset: letter.offset,
        reason: letter.reason,
      });
    }
  }
  const timestamps = Object.values(event.records).flatMap((records) =>
    records.map((record) => record.timestamp),
  );
  recordBatchMetrics(totals, timestamps.length > 0 ? Math.min(...timestamps) : undefined);
  logger.info('batch projected', { ...totals });
  return totals;
}
