/**
 * The Kafka topics Banku uses: one catalogue that names them, says what each holds, and gives the
 * settings each needs on a real cluster. The local broker, docker-compose, the topics command and the
 * deployment all read it; nothing else spells a topic name or a retention.
 *
 * Every topic of one deployment shares a prefix (`KAFKA_TOPIC_PREFIX`, default `banku`), so several
 * stages or test runs can share one cluster without meeting. All of a deployment's topics have the same
 * partition count: the default partitioner then puts an account's requests and its facts on the same
 * partition number, which lets the projector restore one partition's state from one facts partition.
 */
import { ConfigurationError } from './errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What one topic holds and how a cluster must keep it. */
export interface TopicSpec {
  /** Appended to the prefix: `<prefix>.<suffix>`. */
  readonly suffix: string;
  /** One line for operators and the AsyncAPI document. */
  readonly holds: string;
  /** Topic-level configs, as Kafka's admin API takes them. */
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The catalogue. Retention:
 * - **facts** are the record of every money movement and are kept forever (`retention.ms=-1`);
 *   rebuilds and time travel read them from the start.
 * - **commands** are requests; once decided they are superseded by facts. 30 days keeps room for a
 *   projector that is stalled for weeks (a request is decided before it expires) and for audits of
 *   recent requests, without keeping every request forever.
 * - **dead letters** keep every record the projector could not use, with its original bytes, until
 *   an operator has dealt with it: forever.
 */
export const TOPICS = {
  commands: {
    suffix: 'account-commands',
    holds: 'requests from the HTTP commands and the transfer saga, keyed by account; not yet decided',
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY_MS) },
  },
  facts: {
    suffix: 'account-events',
    holds: 'decided outcomes (facts), keyed by account: the log of record every view is rebuilt from',
    configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
  },
  deadLetters: {
    suffix: 'account-dead-letters',
    holds: 'records the projector could not use, with their original bytes, partition, offset and reason',
    configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
  },
} as const satisfies Record<string, TopicSpec>;

/** The role a topic plays: `commands`, `facts` or `deadLetters`. */
export type TopicRole = keyof typeof TOPICS;

export const TOPIC_ROLES = Object.keys(TOPICS) as TopicRole[];

/** Used when `KAFKA_TOPIC_PREFIX` is not set. */
export const DEFAULT_TOPIC_PREFIX = 'banku';

/** Partitions of every topic on the local broker; each account's events stay on one of them. */
export const DEFAULT_TOPIC_PARTITIONS = 3;

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,200}$/;

/** The topic prefix: `KAFKA_TOPIC_PREFIX`, or `banku`. */
export function topicPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.KAFKA_TOPIC_PREFIX?.trim() || DEFAULT_TOPIC_PREFIX;
  if (!TOPIC_NAME.test(prefix))
    throw new ConfigurationError(
      'KAFKA_TOPIC_PREFIX',
      `must be 1–200 of [a-zA-Z0-9._-] (a Kafka topic name), got "${prefix}"`,
    );
  return prefix;
}

/** The full name of one topic for a prefix. */
export function topicName(role: TopicRole, prefix: string = topicPrefix()): string {
  return `${prefix}.${TOPICS[role].suffix}`;
}

/** Every topic of one deployment, with the settings to create it. */
export function topicSet(
  prefix: string = topicPrefix(),
): { role: TopicRole; name: string; configs: Readonly<Record<string, string>> }[] {
  return TOPIC_ROLES.map((role) => ({ role, name: topicName(role, prefix), configs: TOPICS[role].configs }));
}
