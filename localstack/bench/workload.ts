import { randomUUID } from 'node:crypto';
import { encodeEvent } from '../../lib/events/codec.js';
import { createEvent } from '../../lib/events/create-event.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import type { BankEvent } from '../../lib/events/types.js';
import type { MskEvent, MskRecord } from '../../lib/projector/msk-event.js';
import { seededRandom } from '../support/seeded-random.js';

/** The one customer who owns every bench account and sends every bench request. */
export const BENCH_HOLDER = { kind: 'customer', subject: 'bench-customer' } as const;

/** The shape of a projector workload. */
export interface WorkloadOptions {
  /** Events in all, openings included. */
  events: number;
  accounts: number;
  partitions: number;
  seed: number;
  topic: string;
  /** Shares of deposits, withdrawals and transfers after the openings (default 40 / 25 / 35 %). */
  mix?: { deposits: number; withdrawals: number; transfers: number };
  /** Goes on from an earlier workload: its accounts, already open (no openings), and its offsets. */
  continues?: Workload;
}

/** Request events in log order, and the same events as the records each partition delivers. */
export interface Workload {
  readonly accounts: string[];
  readonly events: BankEvent[];
  /** Per partition, its events in log order (every event of an account on one partition). */
  readonly byPartition: BankEvent[][];
  /** Per partition, its records as the event source mapping delivers them (base64, header bytes). */
  readonly records: MskRecord[][];
  readonly mix: Record<string, number>;
}

/**
 * Builds a projector workload: every account opened first, then a seeded mix of deposits (40 %),
 * withdrawals (25 %) and transfers (35 %) among the accounts (or `mix`), some of which the decider
 * rejects (insufficient funds). Events are built with `createEvent` and encoded with the service codec, as the
 * command routes publish them; records are partitioned by a hash of the account id, as Kafka keys them.
 * Built before any clock starts: encoding is the producer's cost, not the projector's.
 *
 * @example
 * ```ts
 * const workload = buildWorkload({ events: 20_000, accounts: 1_000, partitions: 3, seed: 1, topic: 'bench' });
 * ```
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  let tick = 0;
  const at = () => new Date(base + tick++).toISOString();
  const accounts =
    options.continues?.accounts ?? Array.from({ length: options.accounts }, () => randomUUID());
  const events: BankEvent[] = [];
  const counts: Record<string, number> = {};
  const push = (event: BankEvent) => {
    events.push(event);
    counts[event.type] = (counts[event.type] ?? 0) + 1;
  };
  const metadata = () => ({ correlationId: randomUUID(), causationId: null, idempotencyKey: null });
  for (const accountId of options.continues ? [] : accounts) {
    push(
      createEvent<'AccountOpenRequested'>({
        eventId: randomUUID(),
        type: 'AccountOpenRequested',
        accountId,
        occurredAt: at(),
        data: { transactionId: randomUUID(), name: 'Bench Holder', currency: 'USD', principal: BENCH_HOLDER },
        metadata: metadata(),
      }),
    );
  }
  const mix = options.mix ?? { deposits: 0.4, withdrawals: 0.25, transfers: 0.35 };
  const shares = mix.deposits + mix.withdrawals + mix.transfers;
  while (events.length < options.events) {
    const accountId = random.pick(accounts);
    const roll = random.next() * shares;
    if (roll < mix.deposits) {
      push(
        createEvent<'DepositRequested'>({
          eventId: randomUUID(),
          type: 'DepositRequested',
          accountId,
          occurredAt: at(),
          data: { transactionId: randomUUID(), amount: random.int(1, 5_000), principal: BENCH_HOLDER },
          metadata: metadata(),
        }),
      );
    } else if (roll < mix.deposits + mix.withdrawals) {
      push(
        createEvent<'WithdrawalRequested'>({
          eventId: randomUUID(),
          type: 'WithdrawalRequested',
          accountId,
          occurredAt: at(),
          data: { transactionId: randomUUID(), amount: random.int(1, 4_000), principal: BENCH_HOLDER },
          metadata: metadata(),
        }),
      );
    } else {
      let toAccountId = random.pick(accounts);
      while (toAccountId === accountId) toAccountId = random.pick(accounts);
      push(
        createEvent<'TransferRequested'>({
          eventId: randomUUID(),
          type: 'TransferRequested',
          accountId,
          occurredAt: at(),
          data: {
            transactionId: randomUUID(),
            toAccountId,
            amount: random.int(1, 3_000),
            principal: BENCH_HOLDER,
          },
          metadata: metadata(),
        }),
      );
    }
  }
  const byPartition: BankEvent[][] = Array.from({ length: options.partitions }, () => []);
  for (const event of events) byPartition[partitionOf(event.accountId, options.partitions)]?.push(event);
  const first = nextOffsets(options.continues?.records, options.partitions);
  const records = byPartition.map((partitionEvents, partition) =>
    partitionEvents.map((event, i) =>
      mskRecord(options.topic, partition, (first[partition] ?? 0) + i, {
        key: event.accountId,
        value: encodeEvent(event),
        headers: kafkaHeaders(event),
      }),
    ),
  );
  return { accounts, events, byPartition, records, mix: counts };
}

/**
 * Messages (an outbox's saga follow-ups) as the records each partition delivers after `after`'s,
 * keyed and partitioned as Kafka would.
 *
 * @example
 * ```ts
 * const credits = partitionedRecords(outbox, { topic, after: transfers.records });
 * ```
 */
export function partitionedRecords(
  messages: readonly Message[],
  options: { topic: string; after: readonly MskRecord[][] },
): MskRecord[][] {
  const partitions = options.after.length;
  const first = nextOffsets(options.after, partitions);
  const records: MskRecord[][] = Array.from({ length: partitions }, () => []);
  for (const message of messages) {
    const partition = partitionOf(message.key, partitions);
    const own = records[partition] as MskRecord[];
    own.push(mskRecord(options.topic, partition, (first[partition] ?? 0) + own.length, message));
  }
  return records;
}

function nextOffsets(records: readonly MskRecord[][] | undefined, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, partition) => {
    const last = records?.[partition]?.at(-1);
    return last ? Number(last.offset) + 1 : 0;
  });
}

/**
 * The partition of an account: a hash of its id modulo the partition count (stable, even enough).
 *
 * @example
 * ```ts
 * partitionOf('6f1c0e2a-…', 3); // 0, 1 or 2
 * ```
 */
export function partitionOf(accountId: string, partitions: number): number {
  return Number.parseInt(accountId.slice(0, 8), 16) % partitions;
}

/**
 * The MSK event of one invocation holding one partition's slice of records.
 *
 * @example
 * ```ts
 * await handleMskEvent(mskEvent(records.slice(0, 100)), store, live);
 * ```
 */
export function mskEvent(records: MskRecord[]): MskEvent {
  const first = records[0];
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/bench/00000000',
    bootstrapServers: '127.0.0.1:9092',
    records: first ? { [`${first.topic}-${first.partition}`]: records } : {},
  };
}

/** A Kafka message as the producer hands it over. */
interface Message {
  key: string;
  value: string;
  headers: Record<string, string>;
}

function mskRecord(topic: string, partition: number, offset: number, message: Message): MskRecord {
  return {
    topic,
    partition,
    offset: String(offset),
    timestamp: Date.now(),
    timestampType: 'CREATE_TIME',
    key: Buffer.from(message.key).toString('base64'),
    value: Buffer.from(message.value).toString('base64'),
    headers: Object.entries(message.headers).map(([name, text]) => ({ [name]: [...Buffer.from(text)] })),
  };
}
