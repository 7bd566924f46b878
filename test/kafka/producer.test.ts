import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaClientOptions } from '../../lib/kafka/client.js';
import { KafkaRejectedError } from '../../lib/kafka/errors.js';
import { createPublisher, type OutgoingRecord, type Publisher } from '../../lib/kafka/producer.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { localKafkaClient, readBack } from '../support/read-back.js';

const newTopic = async (partitions: number): Promise<string> => {
  const name = `kafka-adapter-${randomUUID().slice(0, 8)}`;
  await localStackControl().createTopic(name, partitions);
  return name;
};

// The stack's broker (the mock, or Apache Kafka under npm run test:kafka). What needs injected faults
// is in producer-faults.test.ts (mock) and producer.apache.test.ts (real faults).
describe('publisher against the local broker', () => {
  const bootstrapServers = process.env.KAFKA_BROKERS ?? '';
  let client: KafkaClientOptions;
  let kafka: Kafka;
  let publisher: Publisher;

  beforeAll(async () => {
    client = { brokers: bootstrapServers.split(','), auth: { mechanism: 'plaintext' } };
    kafka = localKafkaClient(bootstrapServers);
    publisher = createPublisher({ client });
  });
  afterAll(async () => {
    await publisher?.disconnect();
  });

  it('puts each key on one partition, in order, with headers intact, at the offsets it reports', async () => {
    const topic = await newTopic(3);
    const keys = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6'];
    const records: OutgoingRecord[] = [0, 1, 2].flatMap((round) =>
      keys.map((key) => ({
        topic,
        key,
        value: JSON.stringify({ key, round }),
        headers: {
          'event-type': 'DepositRequested',
          'content-type': 'application/json',
          'schema-version': '1',
        },
      })),
    );

    const first = await publisher.publish(records.slice(0, 6));
    const rest = await publisher.publish(records.slice(6));
    const published = [...first, ...rest];

    expect(published).toHaveLength(records.length);
    const partitionOfKey = new Map<string, Set<number>>();
    records.forEach((r, i) => {
      const set = partitionOfKey.get(r.key) ?? new Set();
      set.add(published[i]?.partition ?? -1);
      partitionOfKey.set(r.key, set);
    });
    for (const [key, partitions] of partitionOfKey) expect(partitions, key).toHaveLength(1);
    expect(new Set(published.map((p) => p.partition)).size).toBeGreaterThan(1);

    const consumed = await readBack(kafka, topic, records.length);
    const at = new Map(consumed.map((c) => [`${c.partition}/${c.offset}`, c]));
    records.forEach((r, i) => {
      const where = published[i];
      const seen = at.get(`${where?.partition}/${where?.offset}`);
      expect(seen, `record ${i}`).toEqual({
        partition: where?.partition,
        offset: where?.offset,
        key: r.key,
        value: r.value,
        headers: r.headers,
      });
    });
  });

  it('shares one connect between concurrent first publishes and skips empty ones', async () => {
    const topic = await newTopic(2);
    let opened = 0;
    const fresh = createPublisher({
      client: async () => {
        opened += 1;
        return client;
      },
    });
    try {
      await expect(fresh.publish([])).resolves.toEqual([]);
      expect(opened).toBe(0);
      const results = await Promise.all(
        ['a', 'b', 'c'].map((key) => fresh.publish([{ topic, key, value: key }])),
      );
      expect(results.flat()).toHaveLength(3);
      await fresh.publish([{ topic, key: 'd', value: 'd' }]);
      expect(opened).toBe(1);
    } finally {
      await fresh.disconnect();
    }
  });

  it('reports a topic that does not exist as KafkaRejectedError (no auto-creation)', async () => {
    const topic = `kafka-adapter-missing-${randomUUID().slice(0, 8)}`;

    const error = await publisher.publish([{ topic, key: 'k', value: 'v' }]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(KafkaRejectedError);
    expect((error as KafkaRejectedError).reason).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('disconnects the module-scope publisher on SIGTERM and exits', async () => {
    const topic = await newTopic(1);
    const fixture = fileURLToPath(new URL('./fixtures/sigterm-publisher.ts', import.meta.url));
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', fixture, topic], {
        env: { ...process.env, KAFKA_BROKERS: bootstrapServers, POWERTOOLS_LOG_LEVEL: 'INFO' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk) => {
        stdout += String(chunk);
      });
      child.stderr?.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child?.once('exit', (code, signal) => resolve({ code, signal })),
      );
      await waitFor(
        () => stdout.includes('published '),
        20_000,
        () => `no publish; stderr: ${stderr}`,
      );

      const signalled = Date.now();
      child.kill('SIGTERM');
      const { code, signal } = await exited;

      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(1_000);
      expect(stdout).toContain('kafka publisher closed on SIGTERM');
      const [seen] = await readBack(kafka, topic, 1);
      expect(seen?.value).toBe('before shutdown');
    } finally {
      if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
