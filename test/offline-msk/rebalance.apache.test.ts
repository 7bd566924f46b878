import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../localstack/offline-msk/types.js';
import {
  captureLog,
  committedOffsets,
  decodeValue,
  recordsOf,
  runMapping,
  sleep,
  type TestBroker,
  TestFunction,
  uniqueName,
  useBroker,
} from './helpers.js';

// The Apache counterpart of rebalance.test.ts, whose trigger (an injected REBALANCE_IN_PROGRESS
// heartbeat) only the mock has: a real rebalance, caused by a second instance of the mapping joining
// the group while a batch keeps failing, and leaving again.
let broker: TestBroker;
let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  broker = await useBroker();
  producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  admin = broker.kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
});

afterAll(async () => {
  await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  await broker?.stop();
});

/** A function that counts its invocations in flight, failing slowly until told otherwise. */
function slowFunction(state: { failing: boolean }) {
  const counters = { inFlight: 0, maxInFlight: 0 };
  const fn = new TestFunction(async () => {
    counters.inFlight += 1;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    try {
      await sleep(state.failing ? 1_500 : 50);
      if (state.failing) throw new Error('not yet');
    } finally {
      counters.inFlight -= 1;
    }
  });
  return { fn, counters };
}

describe('a real rebalance of the mapping’s group', () => {
  it('restarts each member from the committed offsets: no gap, no reordering, one invocation per partition and member', async () => {
    const topic = uniqueName('omsk-rebalance');
    await broker.createTopic(topic, 2);
    const mapping: MappingConfig = {
      functionName: 'svc-test-rebalance',
      topic,
      consumerGroupId: uniqueName('g-rebalance'),
      batchSize: 5,
      maximumBatchingWindow: 0,
      retry: { backoffBaseMs: 100, backoffMaxMs: 200 },
    };
    const state = { failing: true };
    const first = slowFunction(state);
    const second = slowFunction(state);
    const log = captureLog();
    const one = runMapping(broker, mapping, first.fn, { logger: log.logger });
    try {
      await one.joined;
      await producer.send({
        topic,
        messages: Array.from({ length: 8 }, (_, i) => ({ partition: 0, value: `v${i}` })),
      });
      await first.fn.until(() => first.fn.calls.length >= 2);

      // A second instance joins: the group rebalances while the first one's batch is failing.
      const two = runMapping(broker, mapping, second.fn);
      try {
        await two.joined;
        await expect
          .poll(() => log.lines.some((l) => l.includes('rejoined')), { timeout: 20_000 })
          .toBe(true);
        await sleep(1_000);
      } finally {
        await two.stop();
      }
      state.failing = false;
      const delivered = () =>
        [first.fn, second.fn].some((fn) =>
          fn.calls.some((c) => recordsOf(c.event).some((r) => decodeValue(r) === 'v7')),
        );
      await expect.poll(delivered, { timeout: 30_000 }).toBe(true);
      await expect
        .poll(() => committedOffsets(admin, mapping.consumerGroupId ?? '', topic), { timeout: 15_000 })
        .toMatchObject({ 0: 8 });
    } finally {
      await one.stop();
    }

    expect(first.counters.maxInFlight).toBe(1);
    expect(second.counters.maxInFlight).toBeLessThanOrEqual(1);
    // In the order they were made, every batch of partition 0 starts where the last successful one ended
    // (or repeats a failed one): no gap, no reordering.
    const batches = [...first.fn.calls, ...second.fn.calls]
      .sort((a, b) => a.at - b.at)
      .map((c) => recordsOf(c.event).map((r) => r.offset));
    let next = 0;
    for (const batch of batches) {
      expect(batch[0]).toBeLessThanOrEqual(next);
      expect(batch).toEqual(Array.from({ length: batch.length }, (_, i) => (batch[0] as number) + i));
      next = Math.max(next, (batch[batch.length - 1] as number) + 1);
    }
    expect(next).toBe(8);
  }, 90_000);
});
