import type { Admin, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MappingHandle } from '../../localstack/offline-msk/mapping-runner.js';
import {
  captureLog,
  committedOffsets,
  decodeValue,
  produce,
  recordsOf,
  runMapping,
  sleep,
  type TestBroker,
  TestFunction,
  uniqueName,
  useBroker,
} from './helpers.js';

let broker: TestBroker;
let producer: Producer;
let admin: Admin;
const running: MappingHandle[] = [];

beforeAll(async () => {
  broker = await useBroker();
  producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  admin = broker.kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

afterAll(async () => {
  await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  await broker?.stop();
});

/** A fresh topic and a mapping name for one test. */
async function topicFor(prefix: string, partitions = 1): Promise<{ topic: string; functionName: string }> {
  const topic = uniqueName(`omsk-${prefix}`);
  await broker.createTopic(topic, partitions);
  return { topic, functionName: `svc-test-${prefix}` };
}

function start(...args: Parameters<typeof runMapping>): MappingHandle {
  const handle = runMapping(...args);
  running.push(handle);
  return handle;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((h) => h.stop()));
}

describe('event shape', () => {
  it('builds the AWS MSK event field by field, encoding keys, values and headers', async () => {
    const { topic, functionName } = await topicFor('shape');
    const binary = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    await produce(producer, topic, 0, [
      {
        key: 'account-1',
        value: '{"type":"Déposé","amount":5}',
        timestamp: '1700000000001',
        headers: { 'content-type': 'application/json', trace: Buffer.from([1, 2, 255]) },
      },
      { key: binary, value: binary, timestamp: '1700000000002' },
      { key: null, value: 'no key', timestamp: '1700000000003' },
      { key: 'tombstone', value: null, timestamp: '1700000000004' },
    ]);
    const fn = new TestFunction();
    const handle = start(
      broker,
      {
        functionName,
        topic,
        maximumBatchingWindow: 0.3,
        eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/local/abc-1',
        bootstrapServers: 'b-1.local:9098',
      },
      fn,
    );
    await handle.joined;
    await fn.untilRecords(4);

    expect(fn.calls).toHaveLength(1);
    const event = fn.calls[0]?.event;
    expect(Object.keys(event ?? {})).toEqual([
      'eventSource',
      'eventSourceArn',
      'bootstrapServers',
      'records',
    ]);
    expect(event?.eventSource).toBe('aws:kafka');
    expect(event?.eventSourceArn).toBe('arn:aws:kafka:us-east-1:123456789012:cluster/local/abc-1');
    expect(event?.bootstrapServers).toBe('b-1.local:9098');
    expect(Object.keys(event?.records ?? {})).toEqual([`${topic}-0`]);
    const [withKey, binaryRecord, noKey, tombstone] = event?.records[`${topic}-0`] ?? [];

    expect(withKey).toEqual({
      topic,
      partition: 0,
      offset: 0,
      timestamp: 1700000000001,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('account-1').toString('base64'),
      value: Buffer.from('{"type":"Déposé","amount":5}', 'utf8').toString('base64'),
      headers: [{ 'content-type': [...Buffer.from('application/json')] }, { trace: [1, 2, 255] }],
    });
    expect(Object.keys(withKey ?? {})).toEqual([
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestampType',
      'key',
      'value',
      'headers',
    ]);
    expect(decodeValue(withKey as never)).toBe('{"type":"Déposé","amount":5}');

    expect(binaryRecord?.offset).toBe(1);
    expect(Buffer.from(binaryRecord?.key ?? '', 'base64')).toEqual(binary);
    expect(Buffer.from(binaryRecord?.value ?? '', 'base64')).toEqual(binary);
    expect(binaryRecord?.headers).toEqual([]);

    expect(noKey?.offset).toBe(2);
    expect(noKey && 'key' in noKey).toBe(false);
    expect(decodeValue(noKey as never)).toBe('no key');

    expect(tombstone?.offset).toBe(3);
    expect(tombstone && 'value' in tombstone).toBe(false);
    expect(tombstone?.key).toBe(Buffer.from('tombstone').toString('base64'));
  });

  it('builds a SelfManagedKafka event without eventSourceArn, with the brokers as bootstrapServers', async () => {
    const { topic, functionName } = await topicFor('self-managed');
    await produce(producer, topic, 0, [{ value: 'x' }]);
    const fn = new TestFunction();
    const handle = start(
      broker,
      { functionName, topic, eventSource: 'SelfManagedKafka', maximumBatchingWindow: 0 },
      fn,
    );
    await handle.joined;
    await fn.untilRecords(1);
    const event = fn.calls[0]?.event;
    expect(Object.keys(event ?? {})).toEqual(['eventSource', 'bootstrapServers', 'records']);
    expect(event?.eventSource).toBe('SelfManagedKafka');
    expect(typeof event?.bootstrapServers).toBe('string');
  });
});

describe('batching', () => {
  it('delivers each partition in order, in batches of at most batchSize records of one partition', async () => {
    const { topic, functionName } = await topicFor('order', 2);
    for (const partition of [0, 1]) {
      await produce(
        producer,
        topic,
        partition,
        Array.from({ length: 25 }, (_, i) => ({ value: `p${partition}-${i}` })),
      );
    }
    const fn = new TestFunction();
    const handle = start(broker, { functionName, topic, batchSize: 10, maximumBatchingWindow: 0.2 }, fn);
    await handle.joined;
    await fn.untilRecords(50);

    for (const call of fn.calls) {
      expect(Object.keys(call.event.records)).toHaveLength(1);
      expect(recordsOf(call.event).length).toBeLessThanOrEqual(10);
    }
    for (const partition of [0, 1]) {
      const values = fn.calls
        .flatMap((c) => c.event.records[`${topic}-${partition}`] ?? [])
        .map((r) => [r.offset, decodeValue(r)]);
      expect(values).toEqual(Array.from({ length: 25 }, (_, i) => [i, `p${partition}-${i}`]));
    }
    // Everything was there from the start, so the batches are full but for the last of each partition.
    expect(fn.calls.map((c) => recordsOf(c.event).length).sort()).toEqual([10, 10, 10, 10, 5, 5].sort());
  });

  it('waits up to the batching window to fill a batch', async () => {
    const { topic, functionName } = await topicFor('window');
    const fn = new TestFunction();
    const handle = start(broker, { functionName, topic, batchSize: 100, maximumBatchingWindow: 1.5 }, fn);
    await handle.joined;
    const sent = Date.now();
    await produce(producer, topic, 0, [{ value: 'first' }]);
    await sleep(400);
    await produce(producer, topic, 0, [{ value: 'second' }]);
    await fn.untilRecords(2);
    expect(fn.calls).toHaveLength(1);
    expect(recordsOf(fn.calls[0]?.event as never).map(decodeValue)).toEqual(['first', 'second']);
    // The window runs from the first record's arrival (a fetch, ≤ 100 ms after it was produced).
    const waited = (fn.calls[0]?.at as number) - sent;
    expect(waited).toBeGreaterThanOrEqual(1_300);
    expect(waited).toBeLessThan(3_000);
  });

  it('invokes as soon as batchSize records are there, before the window ends', async () => {
    const { topic, functionName } = await topicFor('full');
    const fn = new TestFunction();
    const handle = start(broker, { functionName, topic, batchSize: 5, maximumBatchingWindow: 30 }, fn);
    await handle.joined;
    const sent = Date.now();
    await produce(
      producer,
      topic,
      0,
      Array.from({ length: 7 }, (_, i) => ({ value: `v${i}` })),
    );
    await fn.untilRecords(5);
    expect(recordsOf(fn.calls[0]?.event as never).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect((fn.calls[0]?.at as number) - sent).toBeLessThan(3_000);
    // The remaining two wait for the 30 s window.
    await sleep(500);
    expect(fn.calls).toHaveLength(1);
  });
});

describe('payload limit', () => {
  it('closes a batch before it would pass the payload limit', async () => {
    const { topic, functionName } = await topicFor('payload');
    await produce(
      producer,
      topic,
      0,
      Array.from({ length: 6 }, (_, i) => ({ value: `${i}`.repeat(300) })),
    );
    const fn = new TestFunction();
    // Each record is ~550 bytes of JSON (300 bytes base64-encoded plus the other fields).
    const handle = start(broker, { functionName, topic, batchSize: 100, maximumBatchingWindow: 0.2 }, fn, {
      maxPayloadBytes: 1_200,
    });
    await handle.joined;
    await fn.untilRecords(6);
    expect(fn.calls.map((c) => recordsOf(c.event).map((r) => r.offset))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });
});

describe('failures and commits', () => {
  it('retries a failed batch whole, in order, without skipping, then commits', async () => {
    const { topic, functionName } = await topicFor('retry');
    await produce(producer, topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const fn = new TestFunction((_event, call) => {
      if (call <= 2) throw new Error(`failure ${call}`);
    });
    const groupId = uniqueName('g-retry');
    const handle = start(
      broker,
      {
        functionName,
        topic,
        consumerGroupId: groupId,
        maximumBatchingWindow: 0.2,
        retry: { backoffBaseMs: 50, backoffMaxMs: 200 },
      },
      fn,
    );
    await handle.joined;
    await fn.until(() => fn.calls.length >= 3);
    // A record produced while the batch fails comes after it, never before or inside the retried batch.
    await produce(producer, topic, 0, [{ value: 'd' }]);
    await fn.untilRecords(10);

    const batches = fn.calls.map((c) => recordsOf(c.event).map(decodeValue));
    expect(batches.slice(0, 3)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(batches.slice(3).flat()).toEqual(['d']);
    await expect.poll(() => committedOffsets(admin, groupId, topic)).toEqual({ 0: 4 });
  });

  it('commits nothing while the function fails: after a restart the same records come again', async () => {
    const { topic, functionName } = await topicFor('uncommitted');
    await produce(producer, topic, 0, [{ value: 'a' }, { value: 'b' }]);
    const groupId = uniqueName('g-uncommitted');
    const mapping = {
      functionName,
      topic,
      consumerGroupId: groupId,
      maximumBatchingWindow: 0,
      retry: { backoffBaseMs: 50, backoffMaxMs: 100 },
    };
    const failing = new TestFunction(() => {
      throw new Error('down');
    });
    const first = start(broker, mapping, failing);
    await first.joined;
    await failing.until(() => failing.calls.length >= 2);
    await stopAll();
    expect(await committedOffsets(admin, groupId, topic)).toEqual({ 0: -1 });

    const healthy = new TestFunction();
    const second = start(broker, mapping, healthy);
    await second.joined;
    await healthy.untilRecords(2);
    expect(healthy.calls.map((c) => recordsOf(c.event).map(decodeValue))).toEqual([['a', 'b']]);
    await expect.poll(() => committedOffsets(admin, groupId, topic)).toEqual({ 0: 2 });
  });

  it('resumes from the committed offsets after a restart, without redelivery', async () => {
    const { topic, functionName } = await topicFor('resume');
    const groupId = uniqueName('g-resume');
    const mapping = { functionName, topic, consumerGroupId: groupId, maximumBatchingWindow: 0 };
    await produce(producer, topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const fn = new TestFunction();
    await start(broker, mapping, fn).joined;
    await fn.untilRecords(3);
    await expect.poll(() => committedOffsets(admin, groupId, topic)).toEqual({ 0: 3 });
    await stopAll();

    await produce(producer, topic, 0, [{ value: 'd' }, { value: 'e' }]);
    const again = new TestFunction();
    await start(broker, mapping, again).joined;
    await again.untilRecords(2);
    await sleep(300);
    expect(again.offsets()).toEqual([3, 4]);
  });

  it('keeps its group membership through retries longer than the session timeout', async () => {
    const { topic, functionName } = await topicFor('long-retry');
    await produce(producer, topic, 0, [{ value: 'slow' }]);
    const failUntil = Date.now() + 7_500; // sessionTimeout is 6 s
    const fn = new TestFunction(async (_event, call) => {
      if (call === 1) await sleep(3_000); // a slow invocation holds nothing up either
      if (Date.now() < failUntil) throw new Error('still failing');
    });
    const { logger, lines } = captureLog();
    const handle = start(
      broker,
      { functionName, topic, maximumBatchingWindow: 0, retry: { backoffBaseMs: 500, backoffMaxMs: 1_000 } },
      fn,
      { logger },
    );
    await handle.joined;
    await fn.until(() => Date.now() >= failUntil && fn.calls.length > 0, 15_000);
    await sleep(1_200);
    expect(fn.calls.length).toBeGreaterThanOrEqual(3);
    expect(fn.calls.every((c) => recordsOf(c.event).map(decodeValue).join() === 'slow')).toBe(true);
    expect(lines.filter((l) => l.includes('rejoined') || l.includes('crashed'))).toEqual([]);
  }, 20_000);

  it('gives a batch up after maximumRetryAttempts when asked to, and moves on', async () => {
    const { topic, functionName } = await topicFor('discard');
    await produce(producer, topic, 0, [{ value: 'poison' }]);
    const fn = new TestFunction((event) => {
      if (recordsOf(event).some((r) => decodeValue(r) === 'poison')) throw new Error('poison');
    });
    const discarded: number[][] = [];
    const handle = start(
      broker,
      {
        functionName,
        topic,
        maximumBatchingWindow: 0,
        retry: { maximumRetryAttempts: 2, backoffBaseMs: 20 },
      },
      fn,
      { onDiscard: (b) => discarded.push([b.firstOffset, b.lastOffset, b.attempts]) },
    );
    await handle.joined;
    await fn.until(() => fn.calls.length >= 3);
    await produce(producer, topic, 0, [{ value: 'fine' }]);
    await fn.until(() => fn.calls.some((c) => recordsOf(c.event).some((r) => decodeValue(r) === 'fine')));
    expect(fn.calls.map((c) => recordsOf(c.event).map(decodeValue).join())).toEqual([
      'poison',
      'poison',
      'poison',
      'fine',
    ]);
    expect(discarded).toEqual([[0, 0, 3]]);
  });
});

describe('starting position', () => {
  it('TRIM_HORIZON reads from the log start, LATEST only what is produced after it started', async () => {
    const { topic, functionName } = await topicFor('position');
    await produce(producer, topic, 0, [{ value: 'old-1' }, { value: 'old-2' }]);
    const fromStart = new TestFunction();
    const fromEnd = new TestFunction();
    const a = start(
      broker,
      { functionName: `${functionName}-a`, topic, startingPosition: 'TRIM_HORIZON' },
      fromStart,
    );
    const b = start(
      broker,
      { functionName: `${functionName}-b`, topic, startingPosition: 'LATEST' },
      fromEnd,
    );
    await Promise.all([a.joined, b.joined]);
    await produce(producer, topic, 0, [{ value: 'new-1' }]);
    await Promise.all([fromStart.untilRecords(3), fromEnd.untilRecords(1)]);
    await sleep(300);
    expect(fromStart.calls.flatMap((c) => recordsOf(c.event).map(decodeValue))).toEqual([
      'old-1',
      'old-2',
      'new-1',
    ]);
    expect(fromEnd.calls.flatMap((c) => recordsOf(c.event).map(decodeValue))).toEqual(['new-1']);
  });

  it('LATEST holds across a restart: records produced while stopped are delivered', async () => {
    const { topic, functionName } = await topicFor('latest-restart');
    await produce(producer, topic, 0, [{ value: 'before' }]);
    const mapping = { functionName, topic, startingPosition: 'LATEST' as const, maximumBatchingWindow: 0 };
    const idle = new TestFunction();
    await start(broker, mapping, idle).joined;
    await stopAll();
    await produce(producer, topic, 0, [{ value: 'while-stopped' }]);
    const fn = new TestFunction();
    await start(broker, mapping, fn).joined;
    await fn.untilRecords(1);
    await sleep(300);
    expect(idle.calls).toEqual([]);
    expect(fn.calls.flatMap((c) => recordsOf(c.event).map(decodeValue))).toEqual(['while-stopped']);
  });

  it('AT_TIMESTAMP starts at the first record at or after the timestamp', async () => {
    const { topic, functionName } = await topicFor('timestamp', 2);
    const base = 1_600_000_000_000;
    await produce(producer, topic, 0, [
      { value: 'p0-old', timestamp: String(base - 5_000) },
      { value: 'p0-at', timestamp: String(base) },
      { value: 'p0-new', timestamp: String(base + 5_000) },
    ]);
    await produce(producer, topic, 1, [{ value: 'p1-old', timestamp: String(base - 1) }]);
    const fn = new TestFunction();
    const handle = start(
      broker,
      {
        functionName,
        topic,
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: base / 1000,
        maximumBatchingWindow: 0,
      },
      fn,
    );
    await handle.joined;
    // Later records are delivered whatever their timestamp, as on AWS.
    await produce(producer, topic, 1, [{ value: 'p1-later', timestamp: String(base - 10_000) }]);
    await fn.untilRecords(3);
    await sleep(300);
    const values = (p: number) =>
      fn.calls.flatMap((c) => (c.event.records[`${topic}-${p}`] ?? []).map(decodeValue));
    expect(values(0)).toEqual(['p0-at', 'p0-new']);
    expect(values(1)).toEqual(['p1-later']);
  });
});

describe('filter patterns', () => {
  it('invokes only with matching records and commits the others without an invocation', async () => {
    const { topic, functionName } = await topicFor('filter');
    const groupId = uniqueName('g-filter');
    await produce(producer, topic, 0, [
      { value: JSON.stringify({ type: 'Deposit', amount: 5 }) },
      { value: JSON.stringify({ type: 'Withdrawal', amount: 500 }) },
      { value: JSON.stringify({ type: 'Withdrawal', amount: 50 }) },
      { value: 'plain text' },
      { value: null },
      { value: JSON.stringify({ type: 'Deposit', amount: 7 }) },
      { value: JSON.stringify({ type: 'Withdrawal', amount: 1 }) },
    ]);
    const fn = new TestFunction();
    const handle = start(
      broker,
      {
        functionName,
        topic,
        consumerGroupId: groupId,
        maximumBatchingWindow: 0.2,
        filterPatterns: [
          { value: { type: ['Deposit'] } },
          { value: { amount: [{ numeric: ['>', 100] }] } },
          '{"value":[{"prefix":"plain"}]}',
        ],
      },
      fn,
    );
    await handle.joined;
    await fn.untilRecords(4);
    expect(fn.offsets()).toEqual([0, 1, 3, 5]);
    // The trailing unmatched record is committed too.
    await expect.poll(() => committedOffsets(admin, groupId, topic)).toEqual({ 0: 7 });
  });

  it('commits a run of unmatched records without any invocation', async () => {
    const { topic, functionName } = await topicFor('filter-none');
    const groupId = uniqueName('g-filter-none');
    await produce(producer, topic, 0, [{ value: '{"type":"Other"}' }, { value: '{"type":"Other"}' }]);
    const fn = new TestFunction();
    const handle = start(
      broker,
      { functionName, topic, consumerGroupId: groupId, filterPatterns: [{ value: { type: ['Deposit'] } }] },
      fn,
    );
    await handle.joined;
    await expect.poll(() => committedOffsets(admin, groupId, topic), { timeout: 5_000 }).toEqual({ 0: 2 });
    expect(fn.calls).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('lets an in-flight invocation finish and commits it on stop', async () => {
    const { topic, functionName } = await topicFor('stop');
    const groupId = uniqueName('g-stop');
    await produce(producer, topic, 0, [{ value: 'a' }]);
    let finished = false;
    const fn = new TestFunction(async () => {
      await sleep(800);
      finished = true;
    });
    const handle = start(
      broker,
      { functionName, topic, consumerGroupId: groupId, maximumBatchingWindow: 0 },
      fn,
    );
    await handle.joined;
    await fn.until(() => fn.calls.length === 1);
    await handle.stop();
    expect(finished).toBe(true);
    expect(await committedOffsets(admin, groupId, topic)).toEqual({ 0: 1 });
  });

  it('does nothing for a disabled mapping', async () => {
    const { topic, functionName } = await topicFor('disabled');
    await produce(producer, topic, 0, [{ value: 'a' }]);
    const fn = new TestFunction();
    const handle = start(broker, { functionName, topic, enabled: false }, fn);
    await handle.joined;
    await sleep(500);
    expect(fn.calls).toEqual([]);
  });
});
