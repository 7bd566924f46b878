import type { TopicReport } from '../../lib/kafka/topic-admin.js';
import type { DesiredTopic, TopicDrift } from '../../lib/kafka/topic-layout.js';

/**
 * The lines `npm run topics` prints for its reports: one per topic with its settings, then, for each
 * drifted setting, what differs and the Kafka command an operator would use to change it (Banku never
 * changes an existing topic itself).
 *
 * @example
 * ```ts
 * for (const line of reportLines(desired, reports)) console.log(line);
 * ```
 */
export function reportLines(desired: readonly DesiredTopic[], reports: readonly TopicReport[]): string[] {
  const lines: string[] = [];
  for (const report of reports) {
    const topic = desired.find((candidate) => candidate.name === report.name);
    const settings = topic
      ? [
          `partitions=${topic.partitions}`,
          `replication.factor=${topic.replicationFactor}`,
          ...Object.entries(topic.configs).map(([name, value]) => `${name}=${value}`),
        ].join(' ')
      : '';
    lines.push(`${report.state.padEnd(8)} ${report.name}  ${settings}`);
    for (const drift of report.drift) lines.push(`         ${describeDrift(report.name, drift)}`);
  }
  return lines;
}

function describeDrift(topic: string, drift: TopicDrift): string {
  const found = `${drift.setting} is ${drift.actual ?? '(not reported)'}, the catalogue wants ${drift.expected}`;
  switch (drift.setting) {
    case 'partitions':
      return `${found}: partitions can only be added (kafka-topics.sh --alter --topic ${topic} --partitions ${drift.expected}), which moves accounts to other partitions; fewer means a new topic`;
    case 'replication.factor':
      return `${found}: change it with a reassignment (kafka-reassign-partitions.sh)`;
    default:
      return `${found}: kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config ${drift.setting}=${drift.expected}`;
  }
}
