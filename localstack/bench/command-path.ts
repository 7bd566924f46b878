import { randomUUID } from 'node:crypto';
import kafkajs, { type Producer } from 'kafkajs';
import { encodeEvent } from '../../lib/events/codec.js';
import { createEvent } from '../../lib/events/create-event.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import { localKafkaClientSettings } from '../kafka/client-settings.js';
import { localStackControl } from '../stack/control-client.js';
import { type CommandSplit, commandSplit, SPLIT_PROBE } from './command-split.js';
import { cpuMeter } from './cpu.js';
import { call, type ServiceUrl } from './http.js';
import { atConcurrency, type LatencySummary, summarise } from './stats.js';
import { BENCH_HOLDER } from './workload.js';

/** Shape of the command-path measurement. */
export interface CommandPathOptions {
  concurrency: number;
  requests: number;
  /** Requests per lane discarded first (every serverless-offline worker warm, every producer connected). */
  warmupPerLane: number;
  /** Processes whose CPU time the HTTP series is charged with, by name (this process is `self`). */
  pids: Record<string, number | undefined>;
}

/** One measured series: latencies and the throughput it reached. */
export type Series = LatencySummary & { perS: number };

/** Command latency over HTTP, and the same produce through bare kafkajs. */
export interface CommandPathResult {
  options: CommandPathOptions;
  /** POST /accounts/{id}/deposits through serverless-offline (admission in Redis + publish, acks all). */
  http: Series;
  /** Where the HTTP series' time went, when serverless-offline runs with the split probe. */
  split?: CommandSplit;
  /** CPU ms per request of the HTTP series, by process (`self`: the bench's client). */
  cpuMsPerRequest: Record<string, number>;
  /** A bare idempotent kafkajs producer per lane (as each warm Lambda container has one), acks -1. */
  kafkaPerLane: Series;
  /** One bare idempotent kafkajs producer shared by all lanes, acks -1. */
  kafkaShared: Series;
}

/**
 * Measures the command path warm, at a fixed concurrency: deposits POSTed through serverless-offline,
 * then the same produce (the same event value, key and headers) through bare kafkajs producers on a
 * topic of its own, so the Lambda path's overhead over the produce shows.
 *
 * @example
 * ```ts
 * const result = await measureCommandPath(offline, stack.env, { concurrency: 8, requests: 1_000, warmupPerLane: 25 });
 * ```
 */
export async function measureCommandPath(
  service: ServiceUrl,
  env: { KAFKA_BROKERS: string; LOCAL_STACK_CONTROL_URL: string },
  options: CommandPathOptions,
  /** Reads (and resets) the split probe's timelines, if serverless-offline runs with it. */
  readSplitProbe?: () => Promise<string>,
): Promise<CommandPathResult> {
  const accounts = Array.from({ length: 200 }, () => randomUUID());
  const clientMs = new Map<string, number>();
  const deposit = async (index: number, id = String(index)) => {
    const begun = performance.now();
    await call(
      service,
      'POST',
      `/accounts/${accounts[index % accounts.length]}/deposits`,
      { amount: 100 + (index % 900) },
      202,
      { [SPLIT_PROBE.header]: id },
    );
    clientMs.set(id, performance.now() - begun);
  };
  await atConcurrency(options.concurrency, options.concurrency * options.warmupPerLane, (_, i) =>
    deposit(i, `warm-up-${i}`),
  );
  await readSplitProbe?.();
  clientMs.clear();
  const meter = cpuMeter(options.pids);
  const started = performance.now();
  const http = await atConcurrency(options.concurrency, options.requests, (_, i) => deposit(i));
  const httpSeries = series(http, performance.now() - started);
  const cpuMsPerRequest = Object.fromEntries(
    Object.entries(meter.stop()).map(([name, ms]) => [name, Math.round((ms / options.requests) * 100) / 100]),
  );
  const split = readSplitProbe ? commandSplit(await readSplitProbe(), clientMs) : undefined;

  const topic = `bench-produce-${randomUUID().slice(0, 8)}`;
  await localStackControl(env.LOCAL_STACK_CONTROL_URL).createTopic(topic, 3);
  const kafka = new kafkajs.Kafka({
    brokers: env.KAFKA_BROKERS.split(','),
    ...localKafkaClientSettings,
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const producers: Producer[] = [];
  try {
    const lanes = await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        const producer = kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
        });
        producers.push(producer);
        await producer.connect();
        return producer;
      }),
    );
    const produce = (producer: Producer, index: number) => {
      const event = depositEvent(accounts[index % accounts.length] as string, 100 + (index % 900));
      return producer
        .send({
          topic,
          acks: -1,
          messages: [{ key: event.accountId, value: encodeEvent(event), headers: kafkaHeaders(event) }],
        })
        .then(() => undefined);
    };
    const perLane = async () => {
      await atConcurrency(options.concurrency, options.concurrency * options.warmupPerLane, (lane, i) =>
        produce(lanes[lane] as Producer, i),
      );
      const begun = performance.now();
      const latencies = await atConcurrency(options.concurrency, options.requests, (lane, i) =>
        produce(lanes[lane] as Producer, i),
      );
      return series(latencies, performance.now() - begun);
    };
    const shared = async () => {
      const producer = lanes[0] as Producer;
      const begun = performance.now();
      const latencies = await atConcurrency(options.concurrency, options.requests, (_, i) =>
        produce(producer, i),
      );
      return series(latencies, performance.now() - begun);
    };
    return {
      options,
      http: httpSeries,
      ...(split ? { split } : {}),
      cpuMsPerRequest,
      kafkaPerLane: await perLane(),
      kafkaShared: await shared(),
    };
  } finally {
    await Promise.all(producers.map((producer) => producer.disconnect().catch(() => undefined)));
  }
}

function series(latencies: number[], elapsedMs: number): Series {
  return { ...summarise(latencies), perS: Math.round((latencies.length / elapsedMs) * 1000) };
}

function depositEvent(accountId: string, amount: number) {
  return createEvent<'DepositRequested'>({
    eventId: randomUUID(),
    type: 'DepositRequested',
    accountId,
    occurredAt: new Date().toISOString(),
    data: { transactionId: randomUUID(), amount, principal: BENCH_HOLDER },
    metadata: { correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  });
}
