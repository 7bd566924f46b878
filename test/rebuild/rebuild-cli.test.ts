import { randomUUID } from 'node:crypto';
import { topicName } from '../../lib/config/topics.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { bankEvents } from '../support/bank-events.js';
import { runNpmScript } from '../support/cli-process.js';
import { mskEvent, mskRecord } from '../support/msk-events.js';
import { localKafkaClient, readBack } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';

/**
 * `npm run rebuild` against the real broker and Redis: requests are published, decided by the projector
 * (in process) whose facts go to the facts topic; the rebuild reads only those facts.
 */
describe('npm run rebuild', () => {
  const topicPrefix = `rebuild-${randomUUID()}`;
  const topic = topicName('commands', topicPrefix);
  const events = bankEvents(() => new Date().toISOString());
  const account = randomUUID();
  let publisher: Publisher;
  let store: ProjectionStore;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let between: Date;

  let decided = 0;
  // Publishes requests, then lets the projector decide them from the log, as the event source mapping would.
  const publishAndProject = async (batch: BankEvent[]) => {
    await publisher.publish(
      batch.map((event) => ({
        topic,
        key: event.accountId,
        value: encodeEvent(event),
        headers: kafkaHeaders(event),
      })),
    );
    const records = (
      await readBack(localKafkaClient(process.env.KAFKA_BROKERS ?? ''), topic, decided + batch.length)
    )
      .sort((a, b) => Number(a.offset) - Number(b.offset))
      .slice(decided);
    decided += batch.length;
    const live: ProjectorOptions = {
      publish: async (messages) => {
        await publisher.publish(
          messages.map(({ topic: role, key, value, headers }) => ({
            topic: topicName(role, topicPrefix),
            key,
            value,
            headers,
          })),
        );
      },
    };
    await handleMskEvent(
      mskEvent(
        records.map((r) => mskRecord(topic, r.partition, Number(r.offset), r.key ?? null, r.value ?? null)),
      ),
      store,
      live,
    );
  };
  const rebuild = (args: string[]) =>
    runNpmScript(
      'rebuild',
      { ...process.env, KAFKA_TOPIC_PREFIX: topicPrefix, REDIS_KEY_PREFIX: prefix },
      args,
    );

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix);
    const redis = await testRedis('rebuild');
    ({ prefix, cleanup } = redis);
    store = new ProjectionStore(redis.redis, prefix);
    publisher = createPublisher({
      client: { brokers: (process.env.KAFKA_BROKERS ?? '').split(','), auth: { mechanism: 'plaintext' } },
    });
    await publishAndProject([events.open(account), events.deposit(account, 100)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await publishAndProject([events.deposit(account, 50), events.withdraw(account, 30)]);
    expect(await store.getAccount('main', account)).toMatchObject({ balance: 120, version: 4 });
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await cleanup?.();
  });

  it('builds a point-in-time namespace with --until, says how to read it, and switches nothing', async () => {
    const cli = rebuild(['--until', between.toISOString(), '--namespace', 'as-of-between']);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr.join('')).toBe(0);
    expect(cli.stdout.join('\n')).toContain('PROJECTION_NAMESPACE=as-of-between');
    expect((await store.getAccount('as-of-between', account))?.balance).toBe(100);
    expect(await store.currentNamespace()).toBe('main');
  }, 60_000);

  it('rebuilds the whole log into a fresh namespace and switches readers to it', async () => {
    const cli = rebuild(['--namespace', 'full']);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr.join('')).toBe(0);
    expect(cli.stdout.join('\n')).toContain('readers now use namespace full');
    expect(await store.currentNamespace()).toBe('full');
    expect(await store.getAccount('full', account)).toMatchObject({ balance: 120, version: 4 });
    expect(await store.listHistory('full', account, { limit: 10 })).toEqual(
      await store.listHistory('main', account, { limit: 10 }),
    );
  }, 60_000);
});
