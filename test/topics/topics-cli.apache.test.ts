import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { ensureApacheKafka } from '../../localstack/kafka/apache/install.js';
import { composeTopicsScript } from '../../localstack/kafka/compose-topics.js';
import { runNpmScript } from '../support/cli-process.js';
import { localKafkaClient } from '../support/read-back.js';

/** `npm run topics -- --stage local <args>` on the stack's broker (Apache Kafka here), under `prefix`. */
async function topics(prefix: string, args: string[] = []) {
  const run = runNpmScript('topics', { ...process.env, KAFKA_TOPIC_PREFIX: prefix }, [
    '--stage',
    'local',
    ...args,
  ]);
  const { code } = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr.join('') };
}

const states = (stdout: string[]) =>
  stdout.flatMap((line) => /^(created|in-sync|drifted|missing) /.exec(line)?.[1] ?? []);

describe('npm run topics on Apache Kafka', () => {
  it('creates the catalogue’s topics, then finds them in sync', async () => {
    const prefix = `topics-${randomUUID().slice(0, 8)}`;

    const first = await topics(prefix);
    const second = await topics(prefix);

    expect(first.code, first.stderr).toBe(0);
    expect(states(first.stdout)).toEqual(['created', 'created', 'created']);
    expect(second.code, second.stderr).toBe(0);
    expect(states(second.stdout)).toEqual(['in-sync', 'in-sync', 'in-sync']);
  }, 60_000);

  it('reports a facts topic made by hand with the broker’s defaults as drifted, exits 1 and changes nothing', async () => {
    const prefix = `topics-${randomUUID().slice(0, 8)}`;
    const facts = topicName('facts', prefix);
    const admin = localKafkaClient(process.env.KAFKA_BROKERS ?? '').admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: facts, numPartitions: 3 }] });

      const run = await topics(prefix);

      expect(run.code).toBe(1);
      expect(run.stdout.find((line) => line.includes(facts))).toMatch(/^drifted /);
      expect(run.stdout.join('\n')).toMatch(/retention\.ms is 604800000, the catalogue wants -1/);
      const [described] = (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: [
            { type: kafkajs.ConfigResourceTypes.TOPIC, name: facts, configNames: ['retention.ms'] },
          ],
        })
      ).resources;
      expect(described?.configEntries[0]?.configValue).toBe('604800000');
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('finds what docker-compose’s topic script creates in sync with the catalogue', async () => {
    const prefix = `compose-${randomUUID().slice(0, 8)}`;
    const { java, libsDir } = await ensureApacheKafka();
    // What the container runs: kafka-topics.sh is Kafka's TopicCommand; the stack's broker stands in for
    // the compose one, and compose's `$$` is unescaped.
    const script = composeTopicsScript()
      .replaceAll(
        '/opt/kafka/bin/kafka-topics.sh',
        `'${java}' -XX:TieredStopAtLevel=1 -cp '${libsDir}/*' org.apache.kafka.tools.TopicCommand`,
      )
      .replaceAll('kafka:9092', process.env.KAFKA_BROKERS ?? '')
      .replaceAll('$$', '$');
    await promisify(execFile)('bash', ['-ec', script], {
      env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix },
    });

    const check = await topics(prefix, ['--check']);

    expect(check.code, check.stdout.join('\n')).toBe(0);
    expect(states(check.stdout)).toEqual(['in-sync', 'in-sync', 'in-sync']);
  }, 120_000);
});
