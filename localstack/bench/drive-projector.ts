import type { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import type { MskRecord } from '../../lib/projector/msk-event.js';
import { mskEvent } from './workload.js';

/**
 * Feeds records to the projector's real entry point as the event source mapping does: one loop per
 * partition, side by side, each invoking `handleMskEvent` with its next `batchSize` records once the
 * previous invocation returned. Each invocation holds one partition, as on AWS, where each
 * partition's batch is its own invocation and so its own Upstash request.
 *
 * @example
 * ```ts
 * const { invocations } = await driveProjector(store, workload.records, 100, live);
 * ```
 */
export async function driveProjector(
  store: ProjectionStore,
  records: readonly MskRecord[][],
  batchSize: number,
  options: ProjectorOptions,
): Promise<{ invocations: number; busyMs: number }> {
  let invocations = 0;
  let busyMs = 0;
  await Promise.all(
    records.map(async (partition) => {
      for (let i = 0; i < partition.length; i += batchSize) {
        const invoked = performance.now();
        const counts = await handleMskEvent(mskEvent(partition.slice(i, i + batchSize)), store, options);
        busyMs += performance.now() - invoked;
        invocations += 1;
        if (counts.deadLettered > 0) throw new Error(`${counts.deadLettered} records dead-lettered`);
      }
    }),
  );
  return { invocations, busyMs };
}
