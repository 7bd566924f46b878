import { DEFAULT_TOPIC_PARTITIONS } from '../../lib/config/topics.js';
import { desiredTopics, SINGLE_BROKER_LAYOUT } from '../../lib/kafka/topic-layout.js';

/** The bootstrap address of the broker inside the compose network. */
const COMPOSE_BROKER = 'kafka:9092';
/** Any valid prefix: the script names topics by the container's `KAFKA_TOPIC_PREFIX` instead. */
const SOME_PREFIX = 'banku';

/**
 * The topic creation of `localstack/docker-compose.yml` (the `kafka-topics` service's script), written
 * from the catalogue (`lib/config/topics.ts`) with the single-broker layout, as `npm run stack --
 * --broker apache` and `npm run topics -- --stage local` create them: one `kafka-topics.sh --create`
 * per topic, named by the container's `KAFKA_TOPIC_PREFIX` at run time. The compose file holds a copy,
 * because Docker cannot run this code; `test/compose-topics.test.ts` fails when the copy differs and
 * prints the text to paste, and the Apache run executes it against a real broker.
 */
export function composeTopicsScript(partitions = DEFAULT_TOPIC_PARTITIONS): string {
  return desiredTopics(SOME_PREFIX, { partitions, ...SINGLE_BROKER_LAYOUT })
    .map((topic) =>
      [
        '/opt/kafka/bin/kafka-topics.sh',
        `--bootstrap-server ${COMPOSE_BROKER}`,
        '--create --if-not-exists',
        // `$$` is compose's escape for a `$` the container's shell expands.
        `--topic "$\${KAFKA_TOPIC_PREFIX}${topic.name.slice(SOME_PREFIX.length)}"`,
        `--partitions ${topic.partitions} --replication-factor ${topic.replicationFactor}`,
        ...Object.entries(topic.configs).map(([name, value]) => `--config ${name}=${value}`),
      ].join(' '),
    )
    .join('\n');
}
