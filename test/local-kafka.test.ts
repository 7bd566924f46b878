import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, Kafka, type KafkaMessage, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKafka, startLocalKafka } from '../localstack/kafka/broker.js';
import { ensureMockBroker } from '../localstack/kafka/build.js';
import { localKafkaClientSettings, localKafkaConsumerSettings } from '../localstack/kafka/client-settings.js';
import {
  BrokerExitedError,
  ControlCommandError,
  InvalidLocalKafkaOptionError,
} from '../localstack/kafka/errors.js';
import { KafkaApiKey, KafkaErrorCode } from '../localstack/kafka/faults.js';

// Real kafkajs against the real local broker (librdkafka's mock cluster): nothing is mocked here.
// This file starts its own broker so that it does not depend on the shared stack.

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

interface Received {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

/** Alive and not a zombie (an orphan that exited but that PID 1 has not reaped yet). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false; // reaped between the two checks
  }
}

async function waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

let local: LocalKafka;
let kafka: Kafka;
const clients: (Producer | Consumer)[] = [];

function producer(config: Parameters<Kafka['producer']>[0] = {}, client = kafka): Producer {
  const p = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
  clients.push(p);
  return p;
}

/** Runs a group member that records every message; resolves once it has `count` of them. */
async function consume(groupId: string, topic: string, count: number) {
  const consumer = kafka.consumer({ groupId, ...localKafkaConsumerSettings });
  clients.push(consumer);
  const received: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      received.push({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
      });
    },
  });
  await waitUntil(`${count} messages in ${groupId}`, () => received.length >= count, 10_000);
  return { consumer, received };
}

/** Commits, per partition, the offset after the last message received. */
async function commitAll(consumer: Consumer, topic: string, received: Received[]): Promise<void> {
  const next = new Map<number, number>();
  for (const r of received) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  await consumer.commitOffsets(
    [...next].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })),
  );
}

async function highWatermarks(topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  local = await startLocalKafka({ topics: [] });
  kafka = new Kafka({
    brokers: local.bootstrapServers.split(','),
    clientId: 'local-kafka-test',
    ...localKafkaClientSettings,
    // Fault tests provoke connection errors on purpose; assertions, not logs, tell the story.
    logLevel: logLevel.NOTHING,
  });
  // The first run on a machine builds librdkafka (about a minute on 2 cores).
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.disconnect()));
  await local?.stop();
});

describe('local Kafka broker (librdkafka mock cluster) with kafkajs', () => {
  it('idempotent producer: each key always lands on one partition, in order, without duplicates', async () => {
    const topic = unique('keys');
    await local.createTopic(topic, 3);
    const p = producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    const keys = Array.from({ length: 12 }, (_, i) => `account-${i}`);
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      await p.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: `${key}#${round}` })) });
    }

    const { consumer, received } = await consume(unique('keys-group'), topic, keys.length * rounds);
    await consumer.stop();

    expect(received).toHaveLength(keys.length * rounds);
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const r of received)
      partitionsOfKey.set(r.key, (partitionsOfKey.get(r.key) ?? new Set()).add(r.partition));
    for (const key of keys) expect([...(partitionsOfKey.get(key) ?? [])], key).toHaveLength(1);
    // Twelve keys over three partitions: murmur2 spreads them, so every partition is used.
    expect(new Set(received.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
    for (const key of keys) {
      expect(received.filter((r) => r.key === key).map((r) => r.value)).toEqual(
        Array.from({ length: rounds }, (_, round) => `${key}#${round}`),
      );
    }
    // No duplicates: each partition holds exactly what was received, offsets 0..n-1.
    const high = await highWatermarks(topic);
    for (const [partition, end] of high) {
      const offsets = received.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(Array.from({ length: end }, (_, i) => i));
    }
  });

  it('a group reads everything and commits; a restarted member resumes from the commit without redelivery', async () => {
    const topic = unique('resume');
    const groupId = unique('resume-group');
    await local.createTopic(topic, 3);
    const p = producer();
    await p.connect();
    const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 7}`, value: `first-${i}` }));
    await p.send({ topic, acks: -1, messages: first });

    const one = await consume(groupId, topic, first.length);
    expect(one.received.map((r) => r.value).sort()).toEqual(first.map((m) => m.value).sort());
    await commitAll(one.consumer, topic, one.received);
    await one.consumer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const high = await highWatermarks(topic);
    expect(
      new Map(committed?.partitions.map((c) => [c.partition, Number(c.offset)]) ?? []),
      'committed offsets = end of each partition',
    ).toEqual(high);

    const second = Array.from({ length: 9 }, (_, i) => ({ key: `k${i % 7}`, value: `second-${i}` }));
    await p.send({ topic, acks: -1, messages: second });

    // Same group, fromBeginning again: only the committed offsets can keep it from rereading.
    const two = await consume(groupId, topic, second.length);
    expect(two.received.map((r) => r.value).sort()).toEqual(second.map((m) => m.value).sort());
    for (const r of two.received) expect(r.offset).toBeGreaterThanOrEqual(high.get(r.partition) ?? 0);
    await two.consumer.disconnect();
  });

  it('a follower whose SyncGroup comes after the leader’s still gets its assignment', async () => {
    // Unpatched, the mock answers that late SyncGroup with INVALID_REQUEST and kafkajs crashes
    // (see librdkafka-patches.ts). The second JoinGroup answer (the follower's: the mock elects the
    // first member to join) is delayed 500 ms on whichever broker coordinates the group, so the
    // late follower is forced rather than left to chance.
    const topic = unique('sync');
    await local.createTopic(topic, 4);
    for (const brokerId of [0, 1]) {
      await local.inject({ type: 'request-errors', apiKey: KafkaApiKey.JoinGroup, errors: [0], brokerId });
      await local.inject({
        type: 'request-errors',
        apiKey: KafkaApiKey.JoinGroup,
        errors: [0],
        brokerId,
        rttMs: 500,
      });
    }
    const groupId = unique('sync-group');
    const crashes: unknown[] = [];
    const assigned = new Map<number, number>();
    const members = await Promise.all(
      [0, 1].map(async (index) => {
        const consumer = kafka.consumer({ groupId, ...localKafkaConsumerSettings });
        clients.push(consumer);
        consumer.on(consumer.events.CRASH, (event) => crashes.push(event.payload.error));
        consumer.on(consumer.events.GROUP_JOIN, (event) =>
          assigned.set(index, Object.values(event.payload.memberAssignment).flat().length),
        );
        await consumer.connect();
        await consumer.subscribe({ topic });
        await consumer.run({ eachMessage: async () => undefined });
        return consumer;
      }),
    );
    await waitUntil('both members assigned', () => assigned.size === 2 || crashes.length > 0, 10_000);
    expect(crashes).toEqual([]);
    expect([...assigned.values()]).toEqual([2, 2]);
    await Promise.all(members.map((m) => m.disconnect()));
  });

  it('broker down: sends fail fast; an idempotent send in flight completes once it is back up, exactly once', async () => {
    const topic = unique('outage');
    await local.createTopic(topic, 1);
    // Connection retries live in the client, not the producer; kafkajs allows 15 of them when
    // NODE_ENV is "test" (as under vitest), 5 otherwise. Two keep the failure quick.
    const impatient = new Kafka({
      brokers: local.bootstrapServers.split(','),
      ...localKafkaClientSettings,
      retry: { ...localKafkaClientSettings.retry, retries: 2 },
      logLevel: logLevel.NOTHING,
    });
    const plain = producer({ retry: { retries: 0 } }, impatient);
    // An explicit count: through Kafka.producer() an idempotent producer gets kafkajs' default (see client-settings.ts).
    const idempotent = producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30 } });
    await plain.connect();
    await idempotent.connect();
    await plain.send({ topic, acks: -1, messages: [{ value: 'before' }] });

    await local.inject({ type: 'broker-down' });
    let inFlight: Promise<unknown> | undefined;
    try {
      const started = Date.now();
      await expect(plain.send({ topic, acks: -1, messages: [{ value: 'lost' }] })).rejects.toThrow(
        /ECONNREFUSED|Connection error/,
      );
      expect(Date.now() - started).toBeLessThan(5_000);

      let delivered = false;
      inFlight = idempotent.send({ topic, acks: -1, messages: [{ value: 'retried' }] }).then(() => {
        delivered = true;
      });
      await sleep(500);
      expect(delivered, 'nothing can be delivered while every broker is down').toBe(false);
    } finally {
      await local.inject({ type: 'broker-up' });
    }
    await inFlight;
    await plain.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    expect(await highWatermarks(topic)).toEqual(new Map([[0, 3]]));
  });

  it('injected request errors and round-trip time reach the client', async () => {
    const topic = unique('inject');
    await local.createTopic(topic, 1);
    const p = producer({ retry: { retries: 0 } });
    await p.connect();
    await p.send({ topic, acks: -1, messages: [{ value: 'warm-up' }] });

    await local.inject({
      type: 'request-errors',
      apiKey: KafkaApiKey.Produce,
      errors: [KafkaErrorCode.NotEnoughReplicas],
    });
    await expect(p.send({ topic, acks: -1, messages: [{ value: 'rejected' }] })).rejects.toMatchObject({
      cause: { type: 'NOT_ENOUGH_REPLICAS' },
    });
    await p.send({ topic, acks: -1, messages: [{ value: 'accepted' }] });

    await local.inject({ type: 'rtt', rttMs: 1_000 });
    let started = Date.now();
    try {
      await p.send({ topic, acks: -1, messages: [{ value: 'slow' }] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    } finally {
      await local.inject({ type: 'rtt', rttMs: 0 });
    }
    started = Date.now();
    await p.send({ topic, acks: -1, messages: [{ value: 'fast' }] });
    expect(Date.now() - started).toBeLessThan(1_000);

    expect(await highWatermarks(topic)).toEqual(new Map([[0, 4]]));
  });

  it('control channel: rejects an existing topic and bad arguments with typed errors', async () => {
    const topic = unique('dup');
    await local.createTopic(topic, 2);
    await expect(local.createTopic(topic, 2)).rejects.toMatchObject({
      name: 'ControlCommandError',
      code: 'TOPIC_ALREADY_EXISTS',
    });
    await expect(local.inject({ type: 'broker-down', brokerId: 42 })).rejects.toBeInstanceOf(
      ControlCommandError,
    );
    await expect(local.createTopic('no spaces', 1)).rejects.toBeInstanceOf(InvalidLocalKafkaOptionError);
    await expect(local.createTopic('zero', 0)).rejects.toBeInstanceOf(InvalidLocalKafkaOptionError);
  });
});

describe('local Kafka broker lifecycle', () => {
  it('stop() ends the process (pid gone), is idempotent, and later commands fail typed', async () => {
    const other = await startLocalKafka({ topics: [{ name: 'lifecycle', partitions: 2 }], brokerCount: 2 });
    expect(other.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    expect(isRunning(other.pid)).toBe(true);
    await other.stop();
    expect(isRunning(other.pid)).toBe(false);
    await other.stop();
    await expect(other.createTopic('late', 1)).rejects.toBeInstanceOf(BrokerExitedError);
  });

  it('the broker exits by itself when its parent is killed, or when its control input closes', async () => {
    const { binaryPath } = await ensureMockBroker();
    // The shell is the broker's parent; the broker's stdin stays open (held by this process), so
    // only the parent-death signal can end it.
    const shell = spawn('sh', ['-c', `"${binaryPath}" <&0 & echo "$!"; wait`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const [pidLine] = (await once(shell.stdout, 'data')) as [Buffer];
    const brokerPid = Number(pidLine.toString().trim());
    expect(isRunning(brokerPid)).toBe(true);
    shell.kill('SIGKILL');
    await waitUntil('broker to exit after its parent died', () => !isRunning(brokerPid), 5_000);
    shell.stdin.destroy();

    const direct = spawn(binaryPath, [], { stdio: ['pipe', 'ignore', 'ignore'] });
    direct.stdin.end();
    const [code] = (await once(direct, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
