/**
 * Bench phase 1, run in a process of its own (so its CPU profile is the projector's alone): the same
 * workload applied through the real projector code at each batch size, then through the naive
 * baseline, against the local Upstash endpoint of a running stack (`UPSTASH_REDIS_REST_*`, `REDIS_URL`).
 *
 * Prints `BENCH_RESULT <json>` ({@link ProjectorPhaseResult}) as its last line.
 * Usage: `node --import tsx localstack/bench/projector-phase.ts '<ProjectorPhaseConfig json>'`.
 */
import { createHash } from 'node:crypto';
import { topicName } from '../../lib/config/topics.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import { localStackControl } from '../stack/control-client.js';
import { Redis as IORedis } from 'ioredis';
import type { BankEvent } from '../../lib/events/types.js';
import { namespaceRoot } from '../../lib/projection/keys.js';
import { LUA_SCRIPTS } from '../../lib/redis/lua-scripts.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { cpuMeter } from './cpu.js';
import { projectNaively } from './naive-projector.js';
import { commandStats, type ScriptTime, scriptTimes, startCommandLog, statsDelta } from './redis-stats.js';
import { profiled } from './section-profile.js';
import { buildWorkload, mskEvent, type Workload } from './workload.js';

/** What the phase is told to do. */
export interface ProjectorPhaseConfig {
  events: number;
  accounts: number;
  partitions: number;
  batchSizes: number[];
  seed: number;
  prefix: string;
  naive: boolean;
  /** The Redis is the bench's own: its slow log may be reconfigured to time each script call. */
  privateRedis: boolean;
  /** Processes whose CPU time each run reports: the Upstash endpoint's (the stack) and Redis. */
  pids: { endpoint?: number; redis?: number };
}

/** One batched run. */
export interface BatchedRun {
  batchSize: number;
  events: number;
  invocations: number;
  ms: number;
  eventsPerS: number;
  outboxMessages: number;
  /** Summed over the partitions running side by side: where each partition's time went. */
  partitionMs: { readState: number; applyBatch: number; inProcess: number };
  redis: { command: string; calls: number; ms: number }[];
  /** Per script, Redis's own time per call (slow log; only on the bench's private Redis). */
  scripts?: ScriptTime[];
  /** CPU ms each process used during the run (`self` is the projector). */
  cpuMs: Record<string, number>;
}

/** The phase's result. */
export interface ProjectorPhaseResult {
  config: ProjectorPhaseConfig;
  mix: Record<string, number>;
  batched: BatchedRun[];
  /**
   * The first batch size again, with the outbox really published to the local broker (facts to a facts
   * topic, saga requests to a commands topic nothing consumes): what recording facts on the log costs.
   */
  published?: BatchedRun;
  naive?: {
    events: number;
    ms: number;
    eventsPerS: number;
    roundTrips: number;
    redis: BatchedRun['redis'];
    cpuMs: Record<string, number>;
  };
  /** Every account's balance is the same after the naive run and the first batched run. */
  balancesAgree?: boolean;
}

/** A ProjectionStore that also adds up the time spent in each of its calls (whatever their parameters). */
class TimedStore extends ProjectionStore {
  readonly spent = { readState: 0, applyBatch: 0 };

  override async readBatchState(...args: Parameters<ProjectionStore['readBatchState']>) {
    const started = performance.now();
    try {
      return await super.readBatchState(...args);
    } finally {
      this.spent.readState += performance.now() - started;
    }
  }

  override async applyBatch(...args: Parameters<ProjectionStore['applyBatch']>) {
    const started = performance.now();
    try {
      return await super.applyBatch(...args);
    } finally {
      this.spent.applyBatch += performance.now() - started;
    }
  }
}

const config = JSON.parse(process.argv[2] ?? '{}') as ProjectorPhaseConfig;
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const SCRIPTS = {
  readBatchState: sha1(LUA_SCRIPTS.readBatchState),
  applyBatch: sha1(LUA_SCRIPTS.applyBatch),
};
const env = process.env;
const direct = new IORedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const workload = buildWorkload({
  events: config.events,
  accounts: config.accounts,
  partitions: config.partitions,
  seed: config.seed,
  topic: 'banku.account-commands',
});

// Warm-up on a throw-away prefix: JIT, the HTTP connection, and the scripts' EVALSHA→EVAL load.
const warmup = buildWorkload({
  events: 600,
  accounts: 30,
  partitions: config.partitions,
  seed: 7,
  topic: 'w',
});
await runBatched(warmup, 100, `${config.prefix}:warmup`);
if (config.naive) await runNaive(warmup, `${config.prefix}:warmup-naive`);

const result: ProjectorPhaseResult = { config, mix: workload.mix, batched: [] };
for (const batchSize of config.batchSizes) {
  result.batched.push(
    await profiled(`projector-b${batchSize}`, () =>
      runBatched(workload, batchSize, `${config.prefix}:b${batchSize}`),
    ),
  );
}
if (env.KAFKA_BROKERS && env.LOCAL_STACK_CONTROL_URL) {
  const topicPrefix = `bench-${config.prefix.replace(/[^a-zA-Z0-9._-]/g, '-')}`;
  await localStackControl(env.LOCAL_STACK_CONTROL_URL).createTopicSet(topicPrefix, config.partitions);
  const publisher = createPublisher({
    client: { brokers: env.KAFKA_BROKERS.split(','), auth: { mechanism: 'plaintext' } },
  });
  const batchSize = config.batchSizes[0] ?? 100;
  await runBatched(warmup, 100, `${config.prefix}:warmup-published`, { publisher, topicPrefix });
  result.published = await profiled(`projector-b${batchSize}-published`, () =>
    runBatched(workload, batchSize, `${config.prefix}:b${batchSize}-published`, { publisher, topicPrefix }),
  );
  await publisher.disconnect();
}
if (config.naive) {
  result.naive = await profiled('projector-naive', () => runNaive(workload, `${config.prefix}:naive`));
  result.balancesAgree = await balancesAgree(
    workload.accounts,
    `${namespaceRoot(`${config.prefix}:b${config.batchSizes[0]}`, 'main')}:acct:`,
    `${config.prefix}:naive:acct:`,
  );
}
direct.disconnect();
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);

async function runBatched(
  load: Workload,
  batchSize: number,
  prefix: string,
  kafka?: { publisher: Publisher; topicPrefix: string },
): Promise<BatchedRun> {
  const store = new TimedStore(await createRedisClient(env), prefix);
  let outboxMessages = 0;
  // Saga requests are not fed back: every run then applies exactly the same events, and transfers stay
  // in flight. Without `kafka` the outbox is only counted.
  const live: ProjectorOptions = {
    publish: async (messages) => {
      outboxMessages += messages.length;
      await kafka?.publisher.publish(
        messages.map(({ topic, key, value, headers }) => ({
          topic: topicName(topic, kafka.topicPrefix),
          key,
          value,
          headers,
        })),
      );
    },
  };
  let invocations = 0;
  let busy = 0;
  const before = await commandStats(direct);
  if (config.privateRedis) await startCommandLog(direct);
  const meter = cpuMeter(config.pids);
  const started = performance.now();
  // One loop per partition, side by side, each invoking with its next `batchSize` records once the
  // previous invocation returned: what the event source mapping does.
  await Promise.all(
    load.records.map(async (records) => {
      for (let i = 0; i < records.length; i += batchSize) {
        const invoked = performance.now();
        const counts = await handleMskEvent(mskEvent(records.slice(i, i + batchSize)), store, live);
        busy += performance.now() - invoked;
        invocations += 1;
        if (counts.deadLettered > 0) throw new Error(`${counts.deadLettered} records dead-lettered`);
      }
    }),
  );
  const ms = performance.now() - started;
  const cpuMs = meter.stop();
  const redis = statsDelta(before, await commandStats(direct));
  const storeMs = store.spent.readState + store.spent.applyBatch;
  return {
    batchSize,
    events: load.events.length,
    invocations,
    ms: round(ms),
    eventsPerS: Math.round((load.events.length / ms) * 1000),
    outboxMessages,
    partitionMs: {
      readState: round(store.spent.readState),
      applyBatch: round(store.spent.applyBatch),
      inProcess: round(busy - storeMs),
    },
    redis,
    ...(config.privateRedis ? { scripts: await scriptTimes(direct, SCRIPTS) } : {}),
    cpuMs,
  };
}

async function runNaive(load: Workload, prefix: string): Promise<NonNullable<ProjectorPhaseResult['naive']>> {
  const redis = await createRedisClient(env);
  const before = await commandStats(direct);
  const meter = cpuMeter(config.pids);
  const started = performance.now();
  // The same partition parallelism as the batched run: the only difference is one event per round trip.
  const trips = await Promise.all(
    load.byPartition.map((events: BankEvent[]) => projectNaively(redis, prefix, events)),
  );
  const ms = performance.now() - started;
  const cpuMs = meter.stop();
  return {
    events: load.events.length,
    ms: round(ms),
    eventsPerS: Math.round((load.events.length / ms) * 1000),
    roundTrips: trips.reduce((sum, n) => sum + n, 0),
    redis: statsDelta(before, await commandStats(direct)),
    cpuMs,
  };
}

async function balancesAgree(accounts: string[], batchedKey: string, naiveKey: string): Promise<boolean> {
  const pipeline = direct.pipeline();
  for (const id of accounts) {
    pipeline.hget(`${batchedKey}${id}`, 'balance');
    pipeline.hget(`${naiveKey}${id}`, 'balance');
  }
  const replies = (await pipeline.exec()) ?? [];
  for (let i = 0; i < replies.length; i += 2) {
    const batched = replies[i]?.[1];
    if (batched === null || batched !== replies[i + 1]?.[1]) return false;
  }
  return true;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
