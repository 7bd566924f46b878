import { DEFAULT_TOPIC_PARTITIONS, TOPIC_ROLES, TOPICS } from '../../lib/config/topics.js';

/** The bootstrap address of the broker inside the compose network. */
const COMPOSE_BROKER = 'kafka:9092';

/**
 * The topic creation of `localstack/docker-compose.yml` (the `kafka-topics` service's script), written
 * from the catalogue in `lib/config/topics.ts`: one `kafka-topics.sh --create` per topic, named by the
 * container's `KAFKA_TOPIC_PREFIX` at run time, with the catalogue's partitions and configs. The
 * compose file holds a copy, because Docker cannot run this code; `test/compose-topics.test.ts` fails
 * when the copy differs and prints the text to paste, and the Apache run executes it against a real
 * broker.

 */
export function composeTopicsScript(partitions = DEFAULT_TOPIC_PARTITIONS): string {
  return TOPIC_ROLES.map((role) =>
    [
      '/opt/kafka/bin/kafka-topics.sh',
      `--bootstrap-server ${COMPOSE_BROKER}`,
      '--create --if-not-exists',
      // `$$` is compose's escape for a `$` the container's shell expands.
      `--topic "$\${KAFKA_TOPIC_PREFIX}.${TOPICS[role].suffix}"`,
      `--partitions ${partitions}`,
      ...Object.entries(TOPICS[role].configs).map(([name, value]) => `--config ${name}=${value}`),
    ].join(' '),
  ).join('\n');
}
