import type { LocalBroker } from '../kafka/local-broker.js';

/**
 * One line for the developer about the broker the stack started: which one, where, and whether its
 * log survives a restart.
 *
 * @example
 * ```ts
 * console.error(describeBroker(stack.kafka));
 * ```
 */
export function describeBroker(kafka: LocalBroker): string {
  if (kafka.kind === 'mock')
    return `mock broker (librdkafka) on ${kafka.bootstrapServers}: its log is in memory and ends with it`;
  return (
    `Apache Kafka ${kafka.version} on ${kafka.bootstrapServers}, started in ${(kafka.startMs / 1000).toFixed(1)} s; ` +
    `log in ${kafka.dataDir} (${kafka.freshLog ? 'new' : 'kept from the last run'}, cluster ${kafka.clusterId}); ` +
    'delete that folder to start from an empty log'
  );
}
