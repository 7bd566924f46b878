import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { decideBatch } from '../../lib/domain/batch.js';
import type { DecisionRules } from '../../lib/domain/rules.js';
import type { AccountsState } from '../../lib/domain/types.js';
import { decodeEvent, encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { namespaceRoot } from '../../lib/projection/keys.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { rebuildProjection } from '../../lib/rebuild/rebuild-projection.js';
import {
  localKafkaClientSettings,
  localKafkaConsumerSettings,
} from '../../localstack/kafka/client-settings.js';
import { type MappingHandle, startMapping } from '../../localstack/offline-msk/mapping-runner.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { seededRandom } from '../../localstack/support/seeded-random.js';
import { bankEvents } from '../support/bank-events.js';
import { directRedis, namespaceSnapshot } from '../support/projection-snapshot.js';
import { localKafkaClient, readBack, recordCount } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';

const SEED = Number(process.env.BANKU_WORKLOAD_SEED ?? 20261203);
/** The rule the bank changes to mid-test: balances above 3,000 are no longer allowed. */
const LOWER_LIMIT: DecisionRules = { balanceLimit: 3_000 };

/**
 * Rules may change; history may not. A random workload is decided under the rules in force; then the
 * projector is given a lower balance limit, the parameter production passes to `decide`. A rebuild from
 * the log must still give back exactly the projection taken before the change, and, after more requests
 * decided under the new rule, exactly the projection that holds both. Re-deciding the requests under
 * either rule would give other balances, which the test shows first.
 */
describe(`rules may change, history may not (seed ${SEED})`, () => {
  const topicPrefix = `rules-${randomUUID()}`;
  const commandsTopic = topicName('commands', topicPrefix);
  const factsTopic = topicName('facts', topicPrefix);
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const random = seededRandom(SEED);
  const events = bankEvents(() => new Date().toISOString());
  const direct = directRedis();
  let store: ProjectionStore;
  let cleanup: () => Promise<void>;
  let publisher: Publisher;
  let mapping: MappingHandle;
  const live: ProjectorOptions = {
    publish: async (messages) => {
      await publisher.publish(
        messages.map(({ topic, key, value, headers }) => ({
          topic: topicName(topic, topicPrefix),
          key,
          value,
          headers,
        })),
      );
    },
  };

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix, 3);
    const redis = await testRedis('rules');
    store = new ProjectionStore(redis.redis, redis.prefix);
    cleanup = redis.cleanup;
    publisher = createPublisher({ client: { brokers, auth: { mechanism: 'plaintext' } } });
    mapping = startMapping({
      brokers,
      clientSettings: { ...localKafkaClientSettings, logLevel: kafkajs.logLevel.NOTHING },
      mapping: {
        functionName: 'banku-test-rules',
        topic: commandsTopic,
        batchSize: 50,
        maximumBatchingWindow: 0.05,
        startingPosition: 'TRIM_HORIZON',
      },
      invoke: (event) => handleMskEvent(event, store, live),
    });
    await mapping.joined;
  }, 60_000);

  afterAll(async () => {
    await mapping?.stop();
    await publisher?.disconnect();
    direct.disconnect();
    await cleanup?.();
  });

  const publish = (requests: BankEvent[]) =>
    publisher.publish(
      requests.map((event) => ({
        topic: commandsTopic,
        key: event.accountId,
        value: encodeEvent(event),
        headers: kafkaHeaders(event),
      })),
    );
  const settled = async (requests: BankEvent[]) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      // Read straight from Redis in one pipeline: hundreds of status reads at once are the test's, not a user's.
      const root = namespaceRoot(store.prefix, await store.currentNamespace());
      const pipeline = direct.pipeline();
      for (const request of requests) pipeline.hget(`${root}:tx:${request.data.transactionId}`, 'status');
      pipeline.hget(`${root}:totals`, 'inFlight');
      const replies = ((await pipeline.exec()) ?? []).map(([, value]) => value);
      const inFlight = Number(replies.pop() ?? 0);
      if (inFlight === 0 && replies.every((status) => status === 'applied' || status === 'rejected')) return;
      if (Date.now() > deadline) throw new Error('the workload was not decided in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const snapshot = (namespace: string) => namespaceSnapshot(direct, namespaceRoot(store.prefix, namespace));
  const rebuild = (namespace: string) =>
    rebuildProjection({
      kafka: localKafkaClient(brokers.join(',')),
      factsTopic,
      commandsTopic,
      store,
      namespace,
      switchWhenCaughtUp: true,
      consumer: localKafkaConsumerSettings,
    });

  it('rebuilds every balance, history and status as decided, before and after the rule changed', async () => {
    const accounts = Array.from({ length: 12 }, () => randomUUID());
    const opens = accounts.map((id) => events.open(id));
    await publish(opens);
    await settled(opens);
    const workload: BankEvent[] = [];
    for (let i = 0; i < 400; i += 1) {
      const from = random.pick(accounts);
      const roll = random.next();
      if (roll < 0.45) workload.push(events.deposit(from, random.int(500, 4_000)));
      else if (roll < 0.7) workload.push(events.withdraw(from, random.int(1, 3_000)));
      else
        workload.push(
          events.transfer(from, random.pick(accounts.filter((id) => id !== from)), random.int(1, 3_000)),
        );
    }
    await publish(workload);
    await settled(workload);
    const before = await snapshot('main');
    const balances = await Promise.all(
      accounts.map(async (id) => (await store.getAccount('main', id))?.balance),
    );
    expect(balances.some((balance) => (balance ?? 0) > LOWER_LIMIT.balanceLimit)).toBe(true);

    // The rule changes. Deciding the same requests again under it would rewrite history:
    live.rules = LOWER_LIMIT;
    const requestLog = await readBack(
      localKafkaClient(brokers.join(',')),
      commandsTopic,
      await recordCount(localKafkaClient(brokers.join(',')), commandsTopic),
    );
    let redecided: AccountsState = new Map();
    for (const partition of [0, 1, 2]) {
      const requests = requestLog
        .filter((record) => record.partition === partition)
        .sort((a, b) => Number(a.offset) - Number(b.offset))
        .flatMap((record) => {
          const decoded = decodeEvent(record.value ?? null);
          return decoded.ok ? [decoded.event] : [];
        });
      redecided = decideBatch(requests, redecided, { rules: LOWER_LIMIT }).state;
    }
    expect(accounts.map((id) => redecided.get(id)?.balance)).not.toEqual(balances);

    // A rebuild never decides: it gives back exactly what was decided.
    const first = await rebuild('after-change');
    expect(first.switched).toBe(true);
    const rebuilt = await snapshot('after-change');
    expect(Object.keys(rebuilt).length).toBeGreaterThan(accounts.length * 2);
    expect(rebuilt).toEqual(before);

    // Requests decided from now on follow the new rule...
    const rich = accounts.filter((_, i) => (balances[i] ?? 0) + 1 > LOWER_LIMIT.balanceLimit);
    const later = rich.map((id) => events.deposit(id, 1));
    await publish(later);
    await settled(later);
    for (const deposit of later) {
      expect(await store.getTransaction('after-change', deposit.data.transactionId)).toMatchObject({
        status: 'rejected',
        reason: 'balance_limit_exceeded',
      });
    }
    // ...and a rebuild keeps both: the old decisions under the old rule, the new under the new one.
    const afterBoth = await snapshot('after-change');
    expect(afterBoth).not.toEqual(before);
    const second = await rebuild('after-both');
    expect(second.switched).toBe(true);
    expect(await snapshot('after-both')).toEqual(afterBoth);
  }, 180_000);
});
