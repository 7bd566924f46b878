import kafkajs, { type Admin } from 'kafkajs';
import { topicSet } from '../config/topics.js';

/**
 * One topic as a cluster must hold it: name, partition count and topic-level configs.
 *
 * @example
 * ```ts
 * const wanted: WantedTopic = { name: 'banku.account-events', partitions: 3, configs: { 'retention.ms': '-1' } };
 * ```
 */
export interface WantedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** What {@link ensureTopics} found and did. */
export interface EnsureTopicsResult {
  /** Topics this call created. */
  readonly created: string[];
  /** Topics that already existed and match what was wanted. */
  readonly existing: string[];
}

/**
 * A topic exists with other partitions or configs than wanted. Banku does not change a live topic by
 * itself (fewer partitions cannot be undone, a shorter retention deletes records): whoever operates the
 * cluster fixes it, with the commands in the message.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof TopicMismatchError) console.error(e.differences.join('\n')); }
 * ```
 */
export class TopicMismatchError extends Error {
  override readonly name = 'TopicMismatchError';

  constructor(readonly differences: readonly string[]) {
    super(`topics differ from the catalogue (lib/config/topics.ts):\n  ${differences.join('\n  ')}`);
  }
}

/**
 * The topics of one deployment as the catalogue defines them, with one partition count for all.
 *
 * @example
 * ```ts
 * await ensureTopics(admin, catalogueTopics('banku', 3));
 * ```
 */
export function catalogueTopics(prefix: string, partitions: number): WantedTopic[] {
  return topicSet(prefix).map(({ name, configs }) => ({ name, partitions, configs }));
}

/**
 * Creates the wanted topics that do not exist (replication: the cluster's default) and checks that
 * those that do have the wanted partition count and configs. Resolves once every created topic has a
 * leader; rejects with {@link TopicMismatchError} listing every difference, after creating what was
 * missing.
 *
 * @example
 * ```ts
 * const { created } = await ensureTopics(admin, catalogueTopics(topicPrefix(), 3));
 * ```
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly WantedTopic[],
  options: { timeoutMs?: number } = {},
): Promise<EnsureTopicsResult> {
  const timeout = options.timeoutMs ?? 30_000;
  const present = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !present.has(topic.name));
  const existing = topics.filter((topic) => present.has(topic.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      timeout,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const differences = existing.length > 0 ? await differencesOf(admin, existing) : [];
  if (differences.length > 0) throw new TopicMismatchError(differences);
  return { created: missing.map((topic) => topic.name), existing: existing.map((topic) => topic.name) };
}

async function differencesOf(admin: Admin, topics: readonly WantedTopic[]): Promise<string[]> {
  const differences: string[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((topic) => topic.name) });
  const partitionsOf = new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((topic) => ({
      type: kafkajs.ConfigResourceTypes.TOPIC,
      name: topic.name,
      configNames: Object.keys(topic.configs),
    })),
  });
  const configsOf = new Map(
    described.resources.map((resource) => [
      resource.resourceName,
      new Map(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
    ]),
  );
  for (const topic of topics) {
    const partitions = partitionsOf.get(topic.name);
    if (partitions !== topic.partitions)
      differences.push(
        `${topic.name}: ${partitions} partitions, the catalogue wants ${topic.partitions} ` +
          '(partitions can only be added: kafka-topics.sh --alter --partitions; fewer means a new topic)',
      );
    for (const [name, wanted] of Object.entries(topic.configs)) {
      const actual = configsOf.get(topic.name)?.get(name);
      if (actual !== wanted)
        differences.push(
          `${topic.name}: ${name}=${actual}, the catalogue wants ${wanted} ` +
            `(kafka-configs.sh --alter --entity-type topics --entity-name ${topic.name} --add-config ${name}=${wanted})`,
        );
    }
  }
  return differences;
}
