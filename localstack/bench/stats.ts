import { setTimeout as sleep } from 'node:timers/promises';

/** Latency figures of one series, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The value below which `fraction` of the samples fall (nearest rank on a sorted copy).
 *
 * @example
 * ```ts
 * percentile([5, 1, 3], 0.5); // 3
 * ```
 */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * p50/p90/p99/max/mean of a series, rounded to 0.01 ms.
 *
 * @example
 * ```ts
 * const { p50, p99 } = summarise(latencies);
 * ```
 */
export function summarise(samples: readonly number[]): LatencySummary {
  const round = (value: number) => Math.round(value * 100) / 100;
  const mean = samples.reduce((sum, value) => sum + value, 0) / Math.max(1, samples.length);
  return {
    count: samples.length,
    p50: round(percentile(samples, 0.5)),
    p90: round(percentile(samples, 0.9)),
    p99: round(percentile(samples, 0.99)),
    max: round(samples.length === 0 ? Number.NaN : Math.max(...samples)),
    mean: round(mean),
  };
}

/**
 * The median of a series (for a handful of repeated runs).
 *
 * @example
 * ```ts
 * median([30, 10, 20]); // 20
 * ```
 */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Runs `total` calls of `task` with exactly `concurrency` in flight (a closed loop: each lane starts
 * its next call when the previous one ends) and returns each call's duration in ms, in completion order.
 * The lane index lets a caller give each lane resources of its own.
 *
 * @example
 * ```ts
 * const latencies = await atConcurrency(8, 1_000, (lane, i) => post(`/accounts/${ids[i]}/deposits`));
 * ```
 */
export async function atConcurrency(
  concurrency: number,
  total: number,
  task: (lane: number, index: number) => Promise<void>,
): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  const lane = async (laneIndex: number) => {
    while (next < total) {
      const index = next;
      next += 1;
      const started = performance.now();
      await task(laneIndex, index);
      durations.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => lane(i)));
  return durations;
}

/**
 * Starts `total` calls of `task` at a fixed rate (an open loop: a slow call never delays the next
 * start, so queueing shows in the latencies) and resolves with their results once all have ended.
 * Starts are scheduled against the clock, not chained timers, so the rate holds under load.
 *
 * @example
 * ```ts
 * const results = await atRate(20, 200, (i) => depositAndWait(i));
 * ```
 */
export async function atRate<T>(
  perSecond: number,
  total: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const started = performance.now();
  const running: Promise<T>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(task(i));
  }
  return Promise.all(running);
}
