import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../lib/domain/decide.js';
import { evolve } from '../../lib/domain/evolve.js';
import type { AccountsState } from '../../lib/domain/types.js';
import { decodeEvent, encodeEvent } from '../../lib/events/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { namespaceRoot } from '../../lib/projection/keys.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectionMode } from '../../lib/projector/project-batch.js';
import { rebuildProjection } from '../../lib/rebuild/rebuild-projection.js';
import { createRedisClient } from '../../lib/redis/client.js';
import {
  localKafkaClientSettings,
  localKafkaConsumerSettings,
} from '../../localstack/kafka/client-settings.js';
import { freePort } from '../../localstack/offline/free-port.js';
import { type MappingHandle, startMapping } from '../../localstack/offline-msk/mapping-runner.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { startUpstashEndpoint, type UpstashEndpoint } from '../../localstack/upstash/server.js';
import { bankEvents } from '../support/bank-events.js';
import {
  directRedis,
  type LedgerSnapshot,
  ledgerSnapshot,
  namespaceSnapshot,
} from '../support/projection-snapshot.js';
import { localKafkaClient, readBack, recordCount } from '../support/read-back.js';
import { seededRandom } from '../../localstack/support/seeded-random.js';

const SEED = Number(process.env.BANKU_WORKLOAD_SEED ?? 20261122);
const ACCOUNTS = 30;
const OPERATIONS = 2_000;

/**
 * The projector's five invariants under a random workload through the real path: events published to
 * the local broker with the service's producer, delivered by the event source mapping runner in
 * batches, projected into real Redis through the Upstash endpoint; with duplicate publishes, crashes
 * between apply and commit (redelivery), failures before apply, and Redis down mid-run.
 */
describe(`projector invariants under a random workload (seed ${SEED})`, () => {
  const topic = `invariants-${randomUUID()}`;
  const prefix = `test:invariants:${randomUUID().slice(0, 8)}`;
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const random = seededRandom(SEED);
  const redis = directRedis();
  const snapshots: LedgerSnapshot[] = [];
  const injected = { crashedAfterApply: 0, failedBeforeApply: 0, redisOutageMs: 0 };
  let endpoint: UpstashEndpoint;
  let endpointPort: number;
  let store: ProjectionStore;
  let publisher: Publisher;
  let mapping: MappingHandle;
  let published: BankEvent[] = [];
  let invocations = 0;

  beforeAll(async () => {
    await localStackControl().createTopic(topic, 3);
    endpointPort = await freePort();
    endpoint = await startUpstashEndpoint({ redisUrl: process.env.REDIS_URL ?? '', port: endpointPort });
    store = new ProjectionStore(
      await createRedisClient({
        UPSTASH_REDIS_REST_URL: endpoint.url,
        UPSTASH_REDIS_REST_TOKEN: endpoint.token,
      }),
      prefix,
    );
    publisher = createPublisher({ client: { brokers, auth: { mechanism: 'plaintext' } } });
    const live: ProjectionMode = {
      kind: 'live',
      publish: async (messages) => {
        await publisher.publish(messages.map(({ key, value, headers }) => ({ topic, key, value, headers })));
      },
    };
    mapping = startMapping({
      brokers,
      clientSettings: { ...localKafkaClientSettings, logLevel: kafkajs.logLevel.NOTHING },
      mapping: {
        functionName: 'banku-test-projectEvents',
        topic,
        batchSize: 100,
        maximumBatchingWindow: 0.05,
        startingPosition: 'TRIM_HORIZON',
        retry: { backoffBaseMs: 20, backoffMaxMs: 300 },
      },
      invoke: async (event) => {
        // Faults at fixed invocation counts, so every run has some whatever its batching.
        invocations += 1;
        if (invocations % 17 === 5) {
          injected.failedBeforeApply += 1;
          throw new Error('injected: the function failed before applying');
        }
        const counts = await handleMskEvent(event, store, live);
        if (invocations % 11 === 3) {
          injected.crashedAfterApply += 1;
          throw new Error('injected: crash after the Redis write, before the offset commit');
        }
        return counts;
      },
    });
    await mapping.joined;
  }, 60_000);

  afterAll(async () => {
    await mapping?.stop();
    await publisher?.disconnect();
    await endpoint?.stop();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', '1000');
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  });

  it('holds exactly-once, order, no overdraft, conservation and deterministic replay', async () => {
    const events = bankEvents(() => new Date().toISOString());
    const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
    const neverOpened = Array.from({ length: 3 }, () => randomUUID());
    const requests: BankEvent[] = accounts.map((id, i) => events.open(id, i % 5 === 0 ? 'EUR' : 'USD'));
    for (let i = 0; i < OPERATIONS; i += 1) {
      const from = random.pick(accounts);
      const roll = random.next();
      if (roll < 0.3) requests.push(events.deposit(from, random.int(1, 5_000)));
      else if (roll < 0.55) requests.push(events.withdraw(from, random.int(1, 4_000)));
      else {
        const to = random.chance(0.05)
          ? random.pick(neverOpened)
          : random.pick(accounts.filter((id) => id !== from));
        requests.push(events.transfer(from, to, random.int(1, 3_000)));
      }
    }

    const watcher = watchLedger();
    // Published in chunks, a few in parallel; one in twenty published twice (a producer retry).
    const chunks: BankEvent[][] = [];
    for (let i = 0; i < requests.length; i += 40) chunks.push(requests.slice(i, i + 40));
    published = [];
    const publishChunk = async (chunk: BankEvent[]) => {
      const withDuplicates = chunk.flatMap((event) => (random.chance(0.05) ? [event, event] : [event]));
      published.push(...withDuplicates);
      await publisher.publish(
        withDuplicates.map((event) => ({
          topic,
          key: event.accountId,
          value: encodeEvent(event),
          headers: kafkaHeaders(event),
        })),
      );
    };
    await publishChunk(chunks[0] ?? []);
    await waitFor(
      async () => (await store.getAccount('main', accounts[0] ?? ''))?.accountId !== undefined,
      'accounts opened',
    );
    for (let chunkIndex = 1; chunkIndex < chunks.length; chunkIndex += 3) {
      await Promise.all(chunks.slice(chunkIndex, chunkIndex + 3).map(publishChunk));
      if (chunkIndex === 25) await redisOutage(1_000);
    }

    const transactions = new Set(requests.map((request) => request.data.transactionId));
    await waitFor(async () => {
      const ledger = await ledgerSnapshot(redis, namespaceRoot(prefix, 'main'));
      if (ledger.inFlight !== 0) return false;
      const pending = await countUndecided([...transactions]);
      return pending === 0;
    }, 'every transaction decided and nothing in flight');
    watcher.stop();
    await watcher.done;

    // Invariants 3 and 4 at every observed instant.
    expect(snapshots.length).toBeGreaterThan(5);
    for (const snapshot of snapshots) {
      expect(snapshot.negativeBalances).toBe(0);
      expect(snapshot.sumOfBalances + snapshot.inFlight).toBe(snapshot.deposited - snapshot.withdrawn);
      expect(snapshot.balancesTotal).toBe(snapshot.sumOfBalances);
    }

    // Invariants 1 and 2: the projection equals a pure fold of each partition's log in order, each event
    // id once — whatever the duplicates, redeliveries, crashes and outage did.
    const kafka = localKafkaClient(brokers.join(','));
    const log = await readBack(kafka, topic, await recordCount(kafka, topic), 60_000);
    let expected: AccountsState = new Map();
    const seen = new Set<string>();
    const order = new Map<string, string[]>();
    for (const partition of [0, 1, 2]) {
      for (const record of log
        .filter((r) => r.partition === partition)
        .sort((a, b) => Number(a.offset) - Number(b.offset))) {
        const decoded = decodeEvent(record.value ?? null);
        if (!decoded.ok || seen.has(decoded.event.eventId)) continue;
        seen.add(decoded.event.eventId);
        for (const outcome of decide(decoded.event, expected)) {
          expected = evolve(expected, outcome);
          if (expected.has(outcome.accountId) && !outcome.type.startsWith('AccountOpen')) {
            order.set(outcome.accountId, [...(order.get(outcome.accountId) ?? []), outcome.transactionId]);
          }
        }
      }
    }
    for (const accountId of accounts) {
      const projected = await store.getAccount('main', accountId);
      expect(projected?.balance, accountId).toBe(expected.get(accountId)?.balance);
      expect(projected?.version, accountId).toBe(expected.get(accountId)?.version);
      const history = await redis.zrange(`${namespaceRoot(prefix, 'main')}:hist:${accountId}`, '0', '-1');
      expect(history.map((entry) => JSON.parse(entry).transactionId)).toEqual(order.get(accountId) ?? []);
    }

    // Invariant 5: a rebuild from the beginning of the topic equals the live projection.
    const rebuilt = await rebuildProjection({
      kafka,
      topic,
      store,
      namespace: 'rebuilt',
      switchWhenCaughtUp: true,
      consumer: localKafkaConsumerSettings,
    });
    expect(rebuilt.switched).toBe(true);
    expect(await store.currentNamespace()).toBe('rebuilt');
    const live = await namespaceSnapshot(redis, namespaceRoot(prefix, 'main'));
    const replayed = await namespaceSnapshot(redis, namespaceRoot(prefix, 'rebuilt'));
    expect(Object.keys(replayed).length).toBeGreaterThan(ACCOUNTS * 2);
    expect(replayed).toEqual(live);

    // The faults really happened: otherwise this test would prove less than it says.
    expect(injected.crashedAfterApply).toBeGreaterThan(0);
    expect(injected.failedBeforeApply).toBeGreaterThan(0);
    expect(injected.redisOutageMs).toBeGreaterThan(0);
    expect(published.length).toBeGreaterThan(requests.length);
  }, 240_000);

  function watchLedger() {
    let running = true;
    const done = (async () => {
      while (running) {
        snapshots.push(await ledgerSnapshot(redis, namespaceRoot(prefix, 'main')));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return { stop: () => (running = false), done };
  }

  async function redisOutage(ms: number) {
    await endpoint.stop();
    await new Promise((resolve) => setTimeout(resolve, ms));
    endpoint = await startUpstashEndpoint({
      redisUrl: process.env.REDIS_URL ?? '',
      port: endpointPort,
      token: endpoint.token,
    });
    injected.redisOutageMs += ms;
  }

  async function countUndecided(transactionIds: string[]): Promise<number> {
    const pipeline = redis.pipeline();
    for (const id of transactionIds) pipeline.hget(`${namespaceRoot(prefix, 'main')}:tx:${id}`, 'status');
    const statuses = (await pipeline.exec()) ?? [];
    return statuses.filter(([, status]) => status !== 'applied' && status !== 'rejected').length;
  }
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
