import type { ApacheKafka } from './apache/apache-broker.js';
import { InvalidLocalKafkaOptionError } from './errors.js';
import type { LocalKafka } from './types.js';

/**
 * Which broker the local stack runs: `mock` (librdkafka's mock cluster: starts in milliseconds,
 * injects faults, keeps nothing) or `apache` (Apache Kafka 4 in a JVM: the real broker, with a log
 * that survives restarts).
 *
 * @example
 * const kind: BrokerKind = brokerKind(process.env);
 */
export type BrokerKind = 'mock' | 'apache';

/** Environment variable choosing the broker; `--broker` on the command line wins over it. */
export const BROKER_ENV = 'BANKU_BROKER';

const KINDS: readonly BrokerKind[] = ['mock', 'apache'];

/** A running local broker of either kind. */
export type LocalBroker = LocalKafka | ApacheKafka;

/**
 * The broker kind from `--broker` (when given) or `BANKU_BROKER`; `mock` when neither is set.
 *
 * @example
 * brokerKind({ BANKU_BROKER: 'apache' }); // "apache"
 * brokerKind({}, 'apache'); // "apache"
 */
export function brokerKind(env: NodeJS.ProcessEnv = process.env, flag?: string): BrokerKind {
  const value = (flag ?? env[BROKER_ENV] ?? '').trim() || 'mock';
  if (!KINDS.includes(value as BrokerKind))
    throw new InvalidLocalKafkaOptionError(
      `${flag === undefined ? BROKER_ENV : '--broker'} must be one of ${KINDS.join(', ')}, got "${value}"`,
    );
  return value as BrokerKind;
}
