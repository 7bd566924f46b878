import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { decideBatch, evolveBatch } from '../../lib/domain/batch.js';
import type { AccountsState } from '../../lib/domain/types.js';
import { decodeEvent, encodeEvent } from '../../lib/events/codec.js';
import { decodeFact } from '../../lib/facts/codec.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { namespaceRoot } from '../../lib/projection/keys.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { rebuildProjection } from '../../lib/rebuild/rebuild-projection.js';
import { restorePartition } from '../../lib/rebuild/restore-partition.js';
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
import { historyEntry } from '../../lib/projection/fact-records.js';
import { seededRandom } from '../../localstack/support/seeded-random.js';
import { wipePrefix } from '../support/redis.js';

const SEED = Number(process.env.BANKU_WORKLOAD_SEED ?? 20261122);
const ACCOUNTS = 30;
const OPERATIONS = 2_000;

/**
 * The projector's invariants under a random workload through the real path: requests published to
 * the local broker with the service's producer, delivered by the event source mapping runner in
 * batches, decided into facts recorded in real Redis through the Upstash endpoint and published to the
 * facts topic; with duplicate publishes (of requests and of facts), crashes between apply and commit
 * (redelivery), failures before apply, Redis down mid-run, and Redis wiped mid-run (the projector
 * refuses to decide and restores from the facts).
 */
describe(`projector invariants under a random workload (seed ${SEED})`, () => {
  const topicPrefix = `invariants-${randomUUID()}`;
  const topic = topicName('commands', topicPrefix);
  const factsTopic = topicName('facts', topicPrefix);
  const prefix = `test:invariants:${randomUUID().slice(0, 8)}`;
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const random = seededRandom(SEED);
  const redis = directRedis();
  const snapshots: LedgerSnapshot[] = [];
  const injected = {
    crashedAfterApply: 0,
    failedBeforeApply: 0,
    redisOutageMs: 0,
    publishedTwice: 0,
    redisWiped: 0,
    restores: 0,
  };
  let endpoint: UpstashEndpoint;
  let endpointPort: number;
  let store: ProjectionStore;
  let publisher: Publisher;
  let mapping: MappingHandle;
  let published: BankEvent[] = [];
  let invocations = 0;

  beforeAll(async () => {
    await localStackControl().createTopicSet(topicPrefix, 3);
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
    let publishes = 0;
    const kafka = localKafkaClient(brokers.join(','));
    const live: ProjectorOptions = {
      // Redis wiped: the projector refuses to decide and restores the partition from the facts.
      restore: async (lost) => {
        injected.restores += 1;
        const started = Date.now();
        const restored = await restorePartition({
          kafka,
          factsTopic,
          store,
          partition: lost.partition,
          follows: lost.follows,
          consumer: localKafkaConsumerSettings,
        });
        console.log(
          `partition ${lost.partition} restored in ${Date.now() - started} ms: ${restored.facts} facts of ${restored.records} records`,
        );
      },
      publish: async (messages) => {
        const records = messages.map((message) => ({
          topic: topicName(message.topic, topicPrefix),
          key: message.key,
          value: message.value,
          headers: message.headers,
        }));
        await publisher.publish(records);
        // A producer retry whose first attempt did land: the same facts and saga requests twice.
        publishes += 1;
        if (publishes % 7 === 2) {
          injected.publishedTwice += 1;
          await publisher.publish(records);
        }
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
    // Another customer, who may move none of these accounts' money: refused `forbidden`, rebuilt so.
    const intruder = bankEvents(() => new Date().toISOString(), { kind: 'customer', subject: 'intruder' });
    const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
    const neverOpened = Array.from({ length: 3 }, () => randomUUID());
    const requests: BankEvent[] = accounts.map((id, i) => events.open(id, i % 5 === 0 ? 'EUR' : 'USD'));
    for (let i = 0; i < OPERATIONS; i += 1) {
      const from = random.pick(accounts);
      const roll = random.next();
      const asker = random.chance(0.05) ? intruder : events;
      if (roll < 0.3) requests.push(asker.deposit(from, random.int(1, 5_000)));
      else if (roll < 0.55) requests.push(asker.withdraw(from, random.int(1, 4_000)));
      else {
        const to = random.chance(0.05)
          ? random.pick(neverOpened)
          : random.pick(accounts.filter((id) => id !== from));
        requests.push(asker.transfer(from, to, random.int(1, 3_000)));
      }
    }

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
      async () =>
        (await ledgerSnapshot(redis, namespaceRoot(prefix, 'main'), accounts)).accounts === ACCOUNTS,
      'accounts opened',
    );
    const transactions = new Set(requests.map((request) => request.data.transactionId));
    const watcher = watchLedger(accounts);
    const statuses = watchStatuses([...transactions]);
    let recovery: Promise<number> | undefined;
    for (let chunkIndex = 1; chunkIndex < chunks.length; chunkIndex += 3) {
      await Promise.all(chunks.slice(chunkIndex, chunkIndex + 3).map(publishChunk));
      if (chunkIndex === 25) await redisOutage(1_000);
      if (chunkIndex === 37) recovery = wipeRedis();
    }

    await waitFor(async () => {
      const ledger = await ledgerSnapshot(redis, namespaceRoot(prefix, 'main'));
      if (ledger.inFlight !== 0) return false;
      const pending = await countUndecided([...transactions]);
      return pending === 0;
    }, 'every transaction decided and nothing in flight');
    watcher.stop();
    await watcher.done;
    statuses.stop();
    await statuses.done;
    const recoveredInMs = await recovery;
    console.log(
      `Redis wiped mid-workload: recovered in ${recoveredInMs} ms with ${injected.restores} partition restores`,
    );

    // A lost projection never decides: no transaction ever read a final status other than the one it
    // has now, wipe and restore included.
    const now = await finalStatuses([...transactions]);
    const changed = [...statuses.firstFinal].filter(([id, status]) => now.get(id) !== status);
    expect(changed).toEqual([]);
    expect(statuses.firstFinal.size).toBeGreaterThan(transactions.size / 2);

    // Invariants 3 and 4 at every observed instant.
    expect(snapshots.length).toBeGreaterThan(5);
    for (const snapshot of snapshots) {
      expect(snapshot.negativeBalances).toBe(0);
      expect(snapshot.sumOfBalances + snapshot.inFlight).toBe(snapshot.deposited - snapshot.withdrawn);
      expect(snapshot.balancesTotal).toBe(snapshot.sumOfBalances);
    }

    // Invariants 1 and 2: the facts on the log are exactly the production fold of each partition's
    // requests in order, each event id once — whatever the duplicates, redeliveries, crashes and outage did —
    // and the projection is the fold of those facts.
    const kafka = localKafkaClient(brokers.join(','));
    const requestLog = await readBack(kafka, topic, await recordCount(kafka, topic), 60_000);
    // The last batch's facts are published just after its Redis write: wait until the log holds every
    // fact the projection counts.
    const decidedFacts = [...(await store.checkpoint('main')).factsApplied.values()].reduce(
      (a, b) => a + b,
      0,
    );
    let factLog = await readBack(kafka, factsTopic, await recordCount(kafka, factsTopic), 60_000);
    const distinctFacts = () => new Set(factLog.map((record) => record.value)).size;
    for (let tries = 0; distinctFacts() < decidedFacts && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      factLog = await readBack(kafka, factsTopic, await recordCount(kafka, factsTopic), 60_000);
    }
    let decided: AccountsState = new Map();
    let folded: AccountsState = new Map();
    const order = new Map<string, string[]>();
    for (const partition of [0, 1, 2]) {
      const requests = inOrder(requestLog, partition).flatMap((record) => {
        const decoded = decodeEvent(record.value ?? null);
        return decoded.ok ? [decoded.event] : [];
      });
      const decision = decideBatch(requests, decided);
      const expectedFacts = decision.steps.map((step) => step.fact);
      decided = decision.state;
      const facts = inOrder(factLog, partition).map((record) => {
        const read = decodeFact(record.value ?? null);
        if (!read.ok) throw new Error(`undecodable fact at ${partition}:${record.offset}: ${read.message}`);
        expect(record.key).toBe(read.fact.accountId);
        return read.fact;
      });
      const evolved = evolveBatch(facts, folded);
      folded = evolved.state;
      expect(evolved.steps.map((step) => step.fact)).toEqual(expectedFacts);
      for (const { fact } of evolved.steps) {
        if (folded.has(fact.accountId) && historyEntry(fact, true)) {
          order.set(fact.accountId, [...(order.get(fact.accountId) ?? []), fact.transactionId]);
        }
      }
    }
    expect(folded).toEqual(decided);
    for (const accountId of accounts) {
      const projected = await store.getAccount('main', accountId);
      expect(projected?.balance, accountId).toBe(folded.get(accountId)?.balance);
      expect(projected?.version, accountId).toBe(folded.get(accountId)?.version);
      const history = await redis.zrange(`${namespaceRoot(prefix, 'main')}:hist:${accountId}`, '0', '-1');
      expect(history.map((entry) => JSON.parse(entry).transactionId)).toEqual(order.get(accountId) ?? []);
    }

    // Exactly one fact per decision: every copy of a fact id on the log is the same bytes, and every
    // request decided has one fact id, whatever was published twice or redelivered.
    const copies = new Map<string, Set<string>>();
    const factsOfRequest = new Map<string, Set<string>>();
    for (const record of factLog) {
      const read = decodeFact(record.value ?? null);
      if (!read.ok) continue;
      copies.set(read.factId, (copies.get(read.factId) ?? new Set()).add(record.value ?? ''));
      const ids = factsOfRequest.get(read.fact.requestEventId) ?? new Set<string>();
      factsOfRequest.set(read.fact.requestEventId, ids.add(read.factId));
    }
    expect([...copies.values()].filter((values) => values.size !== 1)).toEqual([]);
    const requestIds = new Set(
      requestLog.flatMap((record) => {
        const decoded = decodeEvent(record.value ?? null);
        return decoded.ok ? [decoded.event.eventId] : [];
      }),
    );
    expect(new Set(factsOfRequest.keys())).toEqual(requestIds);
    expect([...factsOfRequest.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(factLog.length).toBeGreaterThan(copies.size); // duplicates were published, and absorbed

    // Invariant 5: a rebuild from the facts topic alone equals the live projection, key by key.
    const rebuilt = await rebuildProjection({
      kafka,
      factsTopic,
      commandsTopic: topic,
      store,
      namespace: 'rebuilt',
      switchWhenCaughtUp: true,
      consumer: localKafkaConsumerSettings,
    });
    expect(rebuilt.switched).toBe(true);
    expect(rebuilt.facts).toBe(copies.size);
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
    expect(injected.publishedTwice).toBeGreaterThan(0);
    expect(injected.redisWiped).toBeGreaterThan(0);
    expect(injected.restores).toBeGreaterThan(0);
  }, 240_000);

  /**
   * Deletes every key of the projection at once, as an emptied database or an operator's mistake would,
   * and resolves with how long it took until every partition decides again (its checkpoint is back).
   */
  async function wipeRedis(): Promise<number> {
    const wipedAt = Date.now();
    injected.redisWiped += await wipePrefix(redis, prefix);
    for (;;) {
      const offsets = await redis.hgetall(`${namespaceRoot(prefix, 'main')}:checkpoint`);
      if ([0, 1, 2].every((partition) => offsets[`commands:${partition}`] !== undefined))
        return Date.now() - wipedAt;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The first final status (`applied`, or `rejected:<reason>`) each transaction is seen with. */
  function watchStatuses(transactionIds: string[]) {
    let running = true;
    const firstFinal = new Map<string, string>();
    const done = (async () => {
      while (running) {
        for (const [id, status] of await finalStatuses(transactionIds))
          if (!firstFinal.has(id)) firstFinal.set(id, status);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    return { stop: () => (running = false), done, firstFinal };
  }

  async function finalStatuses(transactionIds: string[]): Promise<Map<string, string>> {
    const pipeline = redis.pipeline();
    for (const id of transactionIds)
      pipeline.hmget(`${namespaceRoot(prefix, 'main')}:tx:${id}`, 'status', 'reason');
    const replies = (await pipeline.exec()) ?? [];
    const statuses = new Map<string, string>();
    replies.forEach(([, reply], i) => {
      const [status, reason] = (reply as (string | null)[] | null) ?? [];
      const id = transactionIds[i];
      if (id && status === 'applied') statuses.set(id, status);
      if (id && status === 'rejected') statuses.set(id, `rejected:${reason ?? ''}`);
    });
    return statuses;
  }

  function watchLedger(accounts: string[]) {
    let running = true;
    const done = (async () => {
      while (running) {
        snapshots.push(await ledgerSnapshot(redis, namespaceRoot(prefix, 'main'), accounts));
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

function inOrder<T extends { partition: number; offset: string }>(records: T[], partition: number): T[] {
  return records.filter((r) => r.partition === partition).sort((a, b) => Number(a.offset) - Number(b.offset));
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
