/**
 * Bench phase 1, run in a process of its own (so its CPU profile is the projector's alone): the same
 * workload applied through the real projector code at each batch size, then through the naive
 * baseline, against the local Upstash endpoint of a running stack (`UPSTASH_REDIS_REST_*`, `REDIS_URL`).
 *
 * Prints `BENCH_RESULT <json>` ({@link ProjectorPhaseResult}) as its last line.
 * Usage: `node --import tsx localstack/bench/projector-phase.ts '<ProjectorPhaseConfig json>'`.
 */
import { Redis as IORedis } from 'ioredis';
import { topicName } from '../../lib/config/topics.js';
import { createPublisher, type Publisher } from '../../lib/kafka/producer.js';
import type { BankEvent } from '../../lib/events/types.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { cpuMeter } from './cpu.js';
import { driveProjector } from './drive-projector.js';
import { naiveAccountKey, projectNaively } from './naive-projector.js';
import { measureOperationCosts, type OperationCosts } from './operation-costs.js';
import {
  commandStats,
  type ScriptTime,
  scriptNames,
  scriptTimes,
  startCommandLog,
  statsDelta,
} from './redis-stats.js';
import { profiled } from './section-profile.js';
import { countFetches, storedBytes, upstashCommands } from './upstash-cost.js';
import { localStackControl } from '../stack/control-client.js';
import { buildWorkload, type Workload } from './workload.js';

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
  /** What Upstash would bill and hold: see {@link UpstashFigures}. */
  upstash: UpstashFigures;
}

/** A run's figures on the real target, measured against the bench's Redis. */
export interface UpstashFigures {
  /** Billed commands (`INFO commandstats`, script-internal commands included), in all and by command. */
  commands: number;
  byCommand: Record<string, number>;
  /** HTTP requests the projector made, by path (`/` one command or script, `/pipeline` merged). */
  httpRequests: Record<string, number>;
  /** Redis's own time in scripts (EVALSHA/EVAL, `INFO commandstats`), µs. */
  scriptUsec: number;
  /** Bytes the run left stored (`MEMORY USAGE` of each of its keys) and how many keys. */
  storedBytes: number;
  keys: number;
}

/** The phase's result. */
export interface ProjectorPhaseResult {
  config: ProjectorPhaseConfig;
  /** The Node version the projector ran on (`--projector-node`). */
  node: string;
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
    upstash: UpstashFigures;
  };
  /** Every account's balance is the same after the naive run and the first batched run. */
  balancesAgree?: boolean;
  /** Commands per deposit, transfer and admission, one kind at a time, at the first batch size. */
  operations?: OperationCosts;
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
const env = process.env;
const direct = new IORedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
// Before any client exists: every Upstash request of this process is counted.
const requests = countFetches();
const SCRIPTS = await scriptNames();
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

const result: ProjectorPhaseResult = { config, node: process.version, mix: workload.mix, batched: [] };
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
    `${config.prefix}:b${config.batchSizes[0]}`,
    `${config.prefix}:naive`,
  );
  result.operations = await measureOperationCosts({
    env,
    direct,
    redis: await createRedisClient(env),
    prefix: `${config.prefix}:operations`,
    accounts: config.accounts,
    partitions: config.partitions,
    batchSize: config.batchSizes[0] ?? 100,
    seed: config.seed,
  });
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
  if (config.privateRedis) await startCommandLog(direct);
  requests.take();
  const before = await commandStats(direct);
  const meter = cpuMeter(config.pids);
  const started = performance.now();
  const { invocations, busyMs } = await driveProjector(store, load.records, batchSize, live);
  const ms = performance.now() - started;
  const cpuMs = meter.stop();
  const httpRequests = requests.take();
  const after = await commandStats(direct);
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
      inProcess: round(busyMs - storeMs),
    },
    redis: statsDelta(before, after),
    ...(config.privateRedis ? { scripts: await scriptTimes(direct, SCRIPTS) } : {}),
    cpuMs,
    upstash: await upstashFigures(before, after, httpRequests, prefix),
  };
}

async function runNaive(load: Workload, prefix: string): Promise<NonNullable<ProjectorPhaseResult['naive']>> {
  const redis = await createRedisClient(env);
  requests.take();
  const before = await commandStats(direct);
  const meter = cpuMeter(config.pids);
  const started = performance.now();
  // The same partition parallelism as the batched run: the only difference is one event per round trip.
  const trips = await Promise.all(
    load.byPartition.map((events: BankEvent[]) => projectNaively(redis, prefix, events)),
  );
  const ms = performance.now() - started;
  const cpuMs = meter.stop();
  const httpRequests = requests.take();
  const after = await commandStats(direct);
  return {
    events: load.events.length,
    ms: round(ms),
    eventsPerS: Math.round((load.events.length / ms) * 1000),
    roundTrips: trips.reduce((sum, n) => sum + n, 0),
    redis: statsDelta(before, after),
    cpuMs,
    upstash: await upstashFigures(before, after, httpRequests, prefix),
  };
}

async function upstashFigures(
  before: Awaited<ReturnType<typeof commandStats>>,
  after: Awaited<ReturnType<typeof commandStats>>,
  httpRequests: Record<string, number>,
  prefix: string,
): Promise<UpstashFigures> {
  const billed = upstashCommands(before, after);
  const usec = (name: string) => (after.get(name)?.usec ?? 0) - (before.get(name)?.usec ?? 0);
  const stored = await storedBytes(direct, `${prefix}:*`);
  return {
    commands: billed.total,
    byCommand: billed.byCommand,
    httpRequests,
    scriptUsec: usec('evalsha') + usec('eval'),
    storedBytes: stored.bytes,
    keys: stored.keys,
  };
}

/** Every account's balance read back through the projection's own reader equals the naive one's. */
async function balancesAgree(
  accounts: string[],
  batchedPrefix: string,
  naivePrefix: string,
): Promise<boolean> {
  const store = new ProjectionStore(await createRedisClient(env), batchedPrefix);
  const namespace = await store.currentNamespace();
  for (const id of accounts) {
    const batched = await store.getAccount(namespace, id);
    const naive = await direct.hget(naiveAccountKey(naivePrefix, id), 'balance');
    if (batched === undefined || String(batched.balance) !== naive) return false;
  }
  return true;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
