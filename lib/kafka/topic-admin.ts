import kafkajs, { type Admin } from 'kafkajs';
import { TopicAdminError } from './errors.js';
import { type DesiredTopic, type ObservedTopic, type TopicDrift, topicDrift } from './topic-layout.js';

/**
 * What became of one desired topic:
 * - `created`: it was missing and now exists as desired;
 * - `in-sync`: it existed and matches;
 * - `drifted`: it exists but differs (see `drift`); nothing was changed;
 * - `missing`: it does not exist and creating was not asked for.
 */
export interface TopicReport {
  readonly name: string;
  readonly state: 'created' | 'in-sync' | 'drifted' | 'missing';
  readonly drift: readonly TopicDrift[];
}

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Create missing topics (`true`), or only report them (`false`). */
  readonly create: boolean;
  /** How long the controller may take to create the topics and elect their leaders. Default 10 s. */
  readonly createTimeoutMs?: number;
}

/**
 * Creates the missing topics and checks every existing one against what is desired. An existing topic
 * is never altered: a difference is reported as drift, for an operator to judge (raising partitions
 * moves accounts between partitions, lowering retention deletes facts).
 *
 * Uses the Kafka admin API (Metadata, DescribeConfigs, CreateTopics), so it works on Apache Kafka and
 * MSK but not on librdkafka's mock cluster, which has no admin API. Shared by `npm run topics` and any
 * local broker that needs the catalogue's topics.
 *
 * @throws {TopicAdminError} the cluster could not be asked or refused to create a topic.
 * @example
 * ```ts
 * const reports = await ensureTopics(admin, desiredTopics(prefix, layout), { create: true });
 * if (reports.some((report) => report.state === 'drifted')) process.exitCode = 1;
 * ```
 */
export async function ensureTopics(
  admin: Admin,
  desired: readonly DesiredTopic[],
  options: EnsureTopicsOptions,
): Promise<TopicReport[]> {
  const existing = await describeTopics(admin, desired);
  const missing = desired.filter((topic) => !existing.has(topic.name));
  if (options.create && missing.length > 0) {
    await createTopics(admin, missing, options.createTimeoutMs ?? 10_000);
    // Describe what was created instead of trusting the request: a broker may cap or ignore settings.
    for (const [name, observed] of await describeTopics(admin, missing)) existing.set(name, observed);
  }
  return desired.map((topic) => {
    const observed = existing.get(topic.name);
    if (!observed) return { name: topic.name, state: 'missing', drift: [] };
    const drift = topicDrift(topic, observed);
    const created = missing.includes(topic);
    return {
      name: topic.name,
      state: drift.length > 0 ? 'drifted' : created ? 'created' : 'in-sync',
      drift,
    };
  });
}

/**
 * The partitions, replica counts and (the desired) configs of those of the given topics that exist.
 *
 * @throws {TopicAdminError} the cluster could not be asked.
 * @example
 * ```ts
 * const observed = await describeTopics(admin, desiredTopics(prefix, layout));
 * observed.get('banku-prod.account-events')?.configs['retention.ms']; // '-1'
 * ```
 */
export async function describeTopics(
  admin: Admin,
  topics: readonly Pick<DesiredTopic, 'name' | 'configs'>[],
): Promise<Map<string, ObservedTopic>> {
  const known = new Set(await ask('list the topics', undefined, () => admin.listTopics()));
  const present = topics.filter((topic) => known.has(topic.name));
  const observed = new Map<string, ObservedTopic>();
  if (present.length === 0) return observed;

  const names = present.map((topic) => topic.name);
  const metadata = await ask('read the metadata of', names.join(', '), () =>
    admin.fetchTopicMetadata({ topics: names }),
  );
  const configs = await ask('describe the configs of', names.join(', '), () =>
    admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((topic) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name: topic.name,
        configNames: Object.keys(topic.configs),
      })),
    }),
  );
  for (const topic of metadata.topics) {
    const described = configs.resources.find((resource) => resource.resourceName === topic.name);
    if (!described || described.errorCode !== 0) {
      throw new TopicAdminError(
        `could not describe the configs of ${topic.name}: ${described?.errorMessage || `error code ${described?.errorCode ?? 'none returned'}`}`,
        topic.name,
      );
    }
    observed.set(topic.name, {
      partitions: topic.partitions.length,
      replicaCounts: topic.partitions.map((partition) => partition.replicas.length),
      configs: Object.fromEntries(
        described.configEntries.map((entry) => [entry.configName, entry.configValue]),
      ),
    });
  }
  return observed;
}

async function createTopics(admin: Admin, topics: readonly DesiredTopic[], timeoutMs: number): Promise<void> {
  await ask('create', topics.map((topic) => topic.name).join(', '), () =>
    admin.createTopics({
      waitForLeaders: true,
      timeout: timeoutMs,
      topics: topics.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        configEntries: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      })),
    }),
  );
}

/** Runs one admin request, turning a kafkajs failure into a {@link TopicAdminError} that says what failed. */
async function ask<T>(what: string, topics: string | undefined, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const subject = topics === undefined ? what : `${what} ${topics}`;
    const unsupported = error instanceof kafkajs.KafkaJSServerDoesNotSupportApiKey;
    const hint = unsupported
      ? ': the broker has no admin API for this (librdkafka’s mock cluster has none); use Apache Kafka or MSK'
      : `: ${(error as Error).message}`;
    throw new TopicAdminError(`could not ${subject}${hint}`, topics, { cause: error });
  }
}
