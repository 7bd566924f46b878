import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { startLocalKafka } from '../../localstack/kafka/broker.js';
import {
  localKafkaClientSettings,
  localKafkaConsumerSettings,
} from '../../localstack/kafka/client-settings.js';
import {
  type MappingHandle,
  type StartMappingOptions,
  startMapping,
} from '../../localstack/offline-msk/mapping-runner.js';
import type {
  MappingConfig,
  MappingLogger,
  MskEvent,
  MskRecord,
} from '../../localstack/offline-msk/types.js';
import { localStackControl } from '../../localstack/stack/control-client.js';

/**
 * The broker a test file talks to: the shared stack's when the global setup started one
 * (`LOCAL_STACK_CONTROL_URL`), else one of its own.
 */
export interface TestBroker {
  brokers: string[];
  kafka: Kafka;
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

export async function useBroker(): Promise<TestBroker> {
  const controlUrl = process.env.LOCAL_STACK_CONTROL_URL;
  const shared = process.env.KAFKA_BROKERS;
  if (controlUrl && shared) {
    const control = localStackControl(controlUrl);
    const brokers = shared.split(',');
    return { brokers, kafka: client(brokers), createTopic: control.createTopic, stop: async () => undefined };
  }
  const local = await startLocalKafka({ topics: [] });
  const brokers = local.bootstrapServers.split(',');
  return {
    brokers,
    kafka: client(brokers),
    createTopic: (name, partitions) => local.createTopic(name, partitions),
    stop: () => local.stop(),
  };
}

function client(brokers: string[]): Kafka {
  return new Kafka({ brokers, ...localKafkaClientSettings, logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Sends messages to one partition, in order, and waits for the acknowledgement. */
export async function produce(
  producer: Producer,
  topic: string,
  partition: number,
  messages: Message[],
): Promise<void> {
  await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition })) });
}

/** The records of one event, flattened in event order. */
export function recordsOf(event: MskEvent): MskRecord[] {
  return Object.values(event.records).flat();
}

export function decodeValue(record: MskRecord): string | undefined {
  return record.value === undefined ? undefined : Buffer.from(record.value, 'base64').toString('utf8');
}

/**
 * An in-process function for the runner: records every event (with the time it came) and runs
 * `behaviour` (default: succeed) for it.
 */
export class TestFunction {
  readonly calls: { event: MskEvent; at: number }[] = [];
  private waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  constructor(private behaviour: (event: MskEvent, call: number) => Promise<void> | void = () => undefined) {}

  readonly invoke = async (event: MskEvent): Promise<unknown> => {
    this.calls.push({ event, at: Date.now() });
    this.check();
    try {
      await this.behaviour(event, this.calls.length);
    } finally {
      this.check();
    }
    return {};
  };

  setBehaviour(behaviour: (event: MskEvent, call: number) => Promise<void> | void): void {
    this.behaviour = behaviour;
  }

  /** Values of all records of all calls (including failed ones), in call order. */
  offsets(): number[] {
    return this.calls.flatMap((c) => recordsOf(c.event).map((r) => r.offset));
  }

  /** Resolves when `predicate` holds after some call; rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(`condition not met within ${timeoutMs} ms; calls: ${JSON.stringify(this.summary())}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }

  /** Resolves once `count` records have been seen by calls that returned normally or not. */
  untilRecords(count: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.offsets().length >= count, timeoutMs);
  }

  summary(): { partitions: string[]; offsets: number[] }[] {
    return this.calls.map((c) => ({
      partitions: Object.keys(c.event.records),
      offsets: recordsOf(c.event).map((r) => r.offset),
    }));
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.predicate());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/** Collects the runner's log lines, e.g. to see whether the group rebalanced. */
export function captureLog(): { logger: MappingLogger; lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
    if (process.env.OFFLINE_MSK_TEST_LOG) console.error(`${level} ${message}`);
  };
  return {
    lines,
    logger: { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') },
  };
}

/** Starts a mapping with the local broker's consumer settings; the test stops it. */
export function runMapping(
  broker: TestBroker,
  mapping: MappingConfig,
  fn: TestFunction,
  extra: Partial<StartMappingOptions> = {},
): MappingHandle {
  return startMapping({
    kafka: broker.kafka,
    mapping,
    invoke: fn.invoke,
    consumerSettings: localKafkaConsumerSettings,
    ...extra,
  });
}

/** The group's committed offset per partition (-1 when none). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Record<number, number>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
