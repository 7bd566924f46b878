import type { Admin } from 'kafkajs';
import type { ResolvedMapping } from './mapping-config.js';

/**
 * Where a partition without committed offsets starts: records before it are skipped (and committed).
 * `timestamp` is the fallback of AT_TIMESTAMP when the broker cannot look offsets up by time: records
 * older than `timestampMs` are skipped until the first that is not, or until `untilOffset` (the end
 * of the partition when the mapping started: later records are always delivered, as on AWS).
 *
 * @example
 * const guards: StartGuard[] = [{ kind: 'offset', offset: 42 }, { kind: 'timestamp', timestampMs: 1700000000000, untilOffset: 10 }];
 */
export type StartGuard =
  { kind: 'offset'; offset: number } | { kind: 'timestamp'; timestampMs: number; untilOffset: number };

/**
 * Works out, for each partition that the mapping's consumer group has never committed, where the
 * starting position puts it: TRIM_HORIZON = the log start (no guard), LATEST = the end of the
 * partition now, AT_TIMESTAMP = the first offset whose timestamp is at or after the given time.
 *
 * Resolving LATEST here, before the consumer joins, rather than leaving it to the consumer's first
 * fetch, means every record produced after `startMapping` has begun is delivered.
 *
 * The broker's ListOffsets-by-timestamp answer is used when it names an offset inside the partition.
 * An answer of "no such offset" is what librdkafka's mock cluster gives for every timestamp, so a
 * non-empty partition then falls back to skipping records by their timestamps.
 *
 * @example
 * const guards = await resolveStartGuards(admin, mapping); // Map { 0 => { kind: 'offset', offset: 42 } }
 */
export async function resolveStartGuards(
  admin: Admin,
  mapping: ResolvedMapping,
): Promise<Map<number, StartGuard>> {
  const guards = new Map<number, StartGuard>();
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(mapping.topic),
    admin.fetchOffsets({ groupId: mapping.consumerGroupId, topics: [mapping.topic] }),
  ]);
  const committedByPartition = new Map(
    (committed.find((t) => t.topic === mapping.topic)?.partitions ?? []).map((p) => [
      p.partition,
      Number(p.offset),
    ]),
  );
  const fresh = ends.filter((p) => (committedByPartition.get(p.partition) ?? -1) < 0);
  if (fresh.length === 0 || mapping.startingPosition === 'TRIM_HORIZON') return guards;

  if (mapping.startingPosition === 'LATEST') {
    for (const p of fresh) guards.set(p.partition, { kind: 'offset', offset: Number(p.high) });
    return guards;
  }

  const timestampMs = mapping.startingTimestampMs as number;
  const byTime = new Map(
    (await admin.fetchTopicOffsetsByTimestamp(mapping.topic, timestampMs)).map((p) => [
      p.partition,
      Number(p.offset),
    ]),
  );
  for (const p of fresh) {
    const low = Number(p.low);
    const high = Number(p.high);
    const found = byTime.get(p.partition) ?? high;
    // kafkajs reports "none at or after that time" as the partition end.
    if (found < high || low === high) guards.set(p.partition, { kind: 'offset', offset: found });
    else guards.set(p.partition, { kind: 'timestamp', timestampMs, untilOffset: high });
  }
  return guards;
}

/**
 * Applies a partition's start guard to a record: true to take it. A timestamp guard turns into an
 * offset guard at the first record it lets through, so that a re-fetch after a rebalance skips the
 * same records again.
 *
 * @example
 * passesStartGuard(guards, 0, 41, Date.now()); // false when partition 0 starts at 42
 */
export function passesStartGuard(
  guards: Map<number, StartGuard>,
  partition: number,
  offset: number,
  timestampMs: number,
): boolean {
  const guard = guards.get(partition);
  if (!guard) return true;
  if (guard.kind === 'offset') return offset >= guard.offset;
  if (offset >= guard.untilOffset || timestampMs >= guard.timestampMs) {
    guards.set(partition, { kind: 'offset', offset });
    return true;
  }
  return false;
}
