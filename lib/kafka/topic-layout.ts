import { type TopicRole, topicSet } from '../config/topics.js';
import { TopicLayoutError } from './errors.js';

/**
 * How one deployment lays its topics out on a cluster. Every topic of a deployment has the same
 * partition count (see `lib/config/topics.ts` for why).
 */
export interface TopicLayout {
  readonly partitions: number;
  /** Copies of each partition. */
  readonly replicationFactor: number;
  /** Replicas that must have a record before an acks=all write succeeds (`min.insync.replicas`). */
  readonly minInsyncReplicas: number;
}

/**
 * A real cluster: three copies of every record, and an acks=all write (what the producer uses) needs
 * two of them, so one broker can be down or patched without losing a write or refusing one.
 */
export const REPLICATED_LAYOUT = { replicationFactor: 3, minInsyncReplicas: 2 } as const;

/** One broker (the local Apache Kafka, docker-compose): one copy, and an acks=all write needs it. */
export const SINGLE_BROKER_LAYOUT = { replicationFactor: 1, minInsyncReplicas: 1 } as const;

/** One topic as it should exist on the cluster. */
export interface DesiredTopic {
  readonly role: TopicRole;
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs: the catalogue's (retention, cleanup) plus `min.insync.replicas`. */
  readonly configs: Readonly<Record<string, string>>;
}

/** What a cluster reports about one existing topic. */
export interface ObservedTopic {
  readonly partitions: number;
  /** The replica count of each partition (they can differ after a botched reassignment). */
  readonly replicaCounts: readonly number[];
  /** The topic's effective configs, whatever their source (topic, broker or default). */
  readonly configs: Readonly<Record<string, string>>;
}

/** One setting of an existing topic that is not what the catalogue asks for. */
export interface TopicDrift {
  /** `partitions`, `replication.factor`, or a topic config name. */
  readonly setting: string;
  readonly expected: string;
  /** `undefined` when the cluster does not report the setting at all. */
  readonly actual: string | undefined;
}

/**
 * The topics of one deployment (`<prefix>.<suffix>` for every catalogue entry) with the settings the
 * layout gives them.
 *
 * @throws {TopicLayoutError} a count is not a positive integer, or `minInsyncReplicas` exceeds the
 *   replication factor (every acks=all write would then fail).
 * @example
 * ```ts
 * const topics = desiredTopics('banku-prod', { partitions: 6, ...REPLICATED_LAYOUT });
 * ```
 */
export function desiredTopics(prefix: string, layout: TopicLayout): DesiredTopic[] {
  for (const [name, value] of Object.entries(layout)) {
    if (!Number.isInteger(value) || value < 1)
      throw new TopicLayoutError(name, `must be a positive integer, got ${value}`);
  }
  if (layout.minInsyncReplicas > layout.replicationFactor) {
    throw new TopicLayoutError(
      'minInsyncReplicas',
      `${layout.minInsyncReplicas} exceeds the replication factor ${layout.replicationFactor}: every acks=all write would fail`,
    );
  }
  return topicSet(prefix).map(({ role, name, configs }) => ({
    role,
    name,
    partitions: layout.partitions,
    replicationFactor: layout.replicationFactor,
    configs: { ...configs, 'min.insync.replicas': String(layout.minInsyncReplicas) },
  }));
}

/**
 * Every way an existing topic differs from what is desired; empty when it matches. Pure: the admin
 * module feeds it what the cluster reports.
 *
 * @example
 * ```ts
 * topicDrift(desired, { partitions: 3, replicaCounts: [3, 3, 3], configs: { 'retention.ms': '604800000' } });
 * // [{ setting: 'retention.ms', expected: '-1', actual: '604800000' }, …]
 * ```
 */
export function topicDrift(desired: DesiredTopic, observed: ObservedTopic): TopicDrift[] {
  const drift: TopicDrift[] = [];
  if (observed.partitions !== desired.partitions) {
    drift.push({
      setting: 'partitions',
      expected: String(desired.partitions),
      actual: String(observed.partitions),
    });
  }
  const replicaCounts = [...new Set(observed.replicaCounts)].sort((a, b) => a - b);
  if (replicaCounts.length !== 1 || replicaCounts[0] !== desired.replicationFactor) {
    drift.push({
      setting: 'replication.factor',
      expected: String(desired.replicationFactor),
      actual: replicaCounts.join(','),
    });
  }
  for (const [setting, expected] of Object.entries(desired.configs)) {
    const actual = observed.configs[setting];
    if (actual !== expected) drift.push({ setting, expected, actual });
  }
  return drift;
}
