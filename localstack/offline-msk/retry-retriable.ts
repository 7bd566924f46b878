import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `attempt` again while it fails with an error kafkajs marks retriable, backing off from 100 ms
 * to 1 s, until `deadlineMs` has passed. Some kafkajs admin calls (`fetchOffsets`) do not retry by
 * themselves, and a real broker answers them NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS while it
 * creates and loads `__consumer_offsets` (the first group of a new cluster) or after a restart.
 *
 * @example
 * ```ts
 * const guards = await retryRetriable(() => resolveStartGuards(admin, mapping), 30_000);
 * ```
 */
export async function retryRetriable<T>(attempt: () => Promise<T>, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}
