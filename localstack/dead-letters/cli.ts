/**
 * `npm run dead-letters [-- --json]`: lists every record the projector dead-lettered (could not decode,
 * validate, decide or apply): where it was (topic, partition, offset), why, when, and its key. With
 * `--json`, one JSON object a line with the original bytes (`value`, base64) for replaying or
 * inspecting a record.
 *
 * Reads the same variables as the service: KAFKA_BROKERS (or MSK_CLUSTER_ARN with IAM auth) and
 * KAFKA_TOPIC_PREFIX.
 */
import { parseArgs } from 'node:util';
import { topicName } from '../../lib/config/topics.js';
import { readDeadLetters } from '../../lib/dead-letters/read-dead-letters.js';
import { createKafka, kafkaClientOptionsFromEnv } from '../../lib/kafka/client.js';
import { localKafkaConsumerSettings } from '../kafka/client-settings.js';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } }, strict: true });

try {
  const kafka = createKafka(await kafkaClientOptionsFromEnv(process.env));
  const topic = topicName('deadLetters');
  const letters = await readDeadLetters({ kafka, topic, consumer: localKafkaConsumerSettings });
  for (const letter of letters) {
    if (values.json) console.log(JSON.stringify(letter));
    else
      console.log(
        `${letter.topic} partition ${letter.partition} offset ${letter.offset}  ${letter.reason}  ${letter.at}  key ${letter.key ?? '-'}`,
      );
  }
  console.error(`${letters.length} dead letters on ${topic}`);
  process.exit(0);
} catch (error) {
  console.error(`dead-letters failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
