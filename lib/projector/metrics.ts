import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchCounts } from './plan-batch.js';

/** The projector's metrics (CloudWatch EMF through Powertools), flushed once per invocation. */
export const projectorMetrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Banku',
});

/**
 * Records one invocation's counts and its lag: how long the oldest record waited before it was applied.
 *
 * @example
 * ```ts
 * recordBatchMetrics(totals, oldestTimestamp);
 * projectorMetrics.publishStoredMetrics();
 * ```
 */
export function recordBatchMetrics(counts: BatchCounts, oldestRecordTimestamp: number | undefined): void {
  projectorMetrics.addMetric('records', MetricUnit.Count, counts.records);
  projectorMetrics.addMetric('applied', MetricUnit.Count, counts.applied);
  projectorMetrics.addMetric('rejected', MetricUnit.Count, counts.rejected);
  projectorMetrics.addMetric('duplicates', MetricUnit.Count, counts.duplicates);
  projectorMetrics.addMetric('deadLettered', MetricUnit.Count, counts.deadLettered);
  if (oldestRecordTimestamp !== undefined) {
    projectorMetrics.addMetric(
      'lag',
      MetricUnit.Milliseconds,
      Math.max(0, Date.now() - oldestRecordTimestamp),
    );
  }
}
