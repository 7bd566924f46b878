import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import type { Redis as IORedis } from 'ioredis';
import { CommandAdmissions } from '../../lib/commands/admission.js';
import { decodeEvent } from '../../lib/events/codec.js';
import type { BankEvent } from '../../lib/events/types.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import type { OutboxMessage } from '../../lib/projection/types.js';
import type { ProjectorOptions } from '../../lib/projector/project-batch.js';
import { driveProjector } from './drive-projector.js';
import { projectNaively } from './naive-projector.js';
import { commandStats } from './redis-stats.js';
import { upstashCommands } from './upstash-cost.js';
import { BENCH_HOLDER } from './workload.js';
import { buildWorkload, partitionedRecords, partitionOf } from './workload.js';

/** Billed Upstash commands per operation, measured one kind of operation at a time. */
export interface OperationCosts {
  batchSize: number;
  accounts: number;
  /** Commands per admitted command (the HTTP side), by case. */
  admission: { withoutKey: number; withKey: number; withKeyRetried: number };
  /** Commands per operation on the projection side. A transfer is its debit and its credit. */
  projection: {
    batched: { deposit: number; transfer: number };
    naive: { deposit: number; transfer: number };
  };
  /** How many of the measured transfers were applied (the rest were refused for funds). */
  transfersApplied: number;
  transfers: number;
  deposits: number;
}

/** What measuring costs needs from the phase. */
export interface CostContext {
  env: NodeJS.ProcessEnv;
  /** A plain connection to the same Redis, to read `INFO commandstats`. */
  direct: IORedis;
  /** The Upstash client the service would use (one per process, as in a warm container). */
  redis: Redis;
  prefix: string;
  accounts: number;
  partitions: number;
  batchSize: number;
  seed: number;
}

const DEPOSITS = 3_000;
const TRANSFERS = 1_000;
const ADMISSIONS = 300;

/**
 * Measures what one deposit and one transfer cost in Upstash commands, batched (the projector) and the
 * naive way, and what admitting one command costs. Each kind of operation runs on its own over
 * `accounts` accounts opened first (not counted), and every command is counted with `INFO commandstats`
 * through the service's own code: `CommandAdmissions.admit`, `handleMskEvent`, the naive baseline.
 * Transfers are counted with their credits, fed back to the projector as Kafka would deliver them.
 *
 * @example
 * ```ts
 * const costs = await measureOperationCosts({ env, direct, redis, prefix, accounts: 1000, partitions: 3, batchSize: 100, seed: 1 });
 * ```
 */
export async function measureOperationCosts(context: CostContext): Promise<OperationCosts> {
  const { direct } = context;
  const counted = async (run: () => Promise<unknown>): Promise<number> => {
    const before = await commandStats(direct);
    await run();
    return upstashCommands(before, await commandStats(direct)).total;
  };

  const admission = await measureAdmission(context, counted);

  const topic = 'banku.account-commands';
  const base = { accounts: context.accounts, partitions: context.partitions, topic };
  // One set of accounts, opened (not counted), funded by the deposits, then moving money by transfers.
  const deposits = buildWorkload({
    ...base,
    events: context.accounts + DEPOSITS,
    seed: context.seed,
    mix: { deposits: 1, withdrawals: 0, transfers: 0 },
  });
  const transfers = buildWorkload({
    ...base,
    events: TRANSFERS,
    seed: context.seed + 1,
    mix: { deposits: 0, withdrawals: 0, transfers: 1 },
    continues: deposits,
  });
  const opening = (event: BankEvent | undefined) => event?.type === 'AccountOpenRequested';
  const split = (want: boolean) =>
    deposits.records.map((records, p) =>
      records.filter((_, i) => opening(deposits.byPartition[p]?.[i]) === want),
    );

  // Batched: the projector's own entry point, as in the runs above.
  const store = new ProjectionStore(context.redis, `${context.prefix}:batched`);
  const outbox: OutboxMessage[] = [];
  const mode: ProjectorOptions = {
    publish: async (messages) => {
      outbox.push(...messages);
    },
  };
  await driveProjector(store, split(true), context.batchSize, mode);
  const batchedDeposits = await counted(() => driveProjector(store, split(false), context.batchSize, mode));
  outbox.length = 0;
  let credits: OutboxMessage[] = [];
  const batchedTransfers = await counted(async () => {
    await driveProjector(store, transfers.records, context.batchSize, mode);
    // The saga's requests go back to the commands topic; the facts go to the facts topic.
    credits = outbox.splice(0).filter((message) => message.topic === 'commands');
    await driveProjector(
      store,
      partitionedRecords(credits, { topic, after: transfers.records }),
      context.batchSize,
      mode,
    );
  });

  // The naive way: the same operations on a prefix of its own; the credits are those the batched run published.
  const naive = (events: readonly BankEvent[]) => {
    const parts: BankEvent[][] = Array.from({ length: context.partitions }, () => []);
    for (const event of events) parts[partitionOf(event.accountId, context.partitions)]?.push(event);
    return Promise.all(parts.map((own) => projectNaively(context.redis, `${context.prefix}:naive`, own)));
  };
  await naive(deposits.events.filter((event) => opening(event)));
  const naiveDeposits = await counted(() => naive(deposits.events.filter((event) => !opening(event))));
  const naiveTransfers = await counted(async () => {
    await naive(transfers.events);
    await naive(credits.map(decoded));
  });

  const per = (commands: number, operations: number) => Math.round((commands / operations) * 100) / 100;
  return {
    batchSize: context.batchSize,
    accounts: context.accounts,
    admission,
    projection: {
      batched: { deposit: per(batchedDeposits, DEPOSITS), transfer: per(batchedTransfers, TRANSFERS) },
      naive: { deposit: per(naiveDeposits, DEPOSITS), transfer: per(naiveTransfers, TRANSFERS) },
    },
    deposits: DEPOSITS,
    transfers: TRANSFERS,
    transfersApplied: credits.length,
  };
}

async function measureAdmission(
  context: CostContext,
  counted: (run: () => Promise<unknown>) => Promise<number>,
): Promise<OperationCosts['admission']> {
  const admissions = new CommandAdmissions(context.redis, `${context.prefix}:admission`);
  const pending = () => ({
    transactionId: randomUUID(),
    type: 'deposit' as const,
    accountId: randomUUID(),
    initiator: BENCH_HOLDER.subject,
    at: new Date().toISOString(),
  });
  const keys = Array.from({ length: ADMISSIONS }, () => randomUUID());
  const requests = keys.map((idempotencyKey) => ({
    idempotencyKey,
    fingerprint: randomUUID(),
    pending: pending(),
  }));
  const admitAll = async (make: (i: number) => Parameters<CommandAdmissions['admit']>[0]) => {
    for (let i = 0; i < ADMISSIONS; i += 1) await admissions.admit(make(i));
  };
  // Warm: the first call of a script loads it (a NOSCRIPT round trip) — not what a warm container pays.
  await admissions.admit({ idempotencyKey: randomUUID(), fingerprint: 'warm', pending: pending() });
  await admissions.admit({ idempotencyKey: null, fingerprint: 'warm', pending: pending() });
  const withoutKey = await counted(() =>
    admitAll(() => ({ idempotencyKey: null, fingerprint: randomUUID(), pending: pending() })),
  );
  const withKey = await counted(() => admitAll((i) => requests[i] as (typeof requests)[number]));
  const withKeyRetried = await counted(() => admitAll((i) => requests[i] as (typeof requests)[number]));
  const per = (commands: number) => Math.round((commands / ADMISSIONS) * 100) / 100;
  return { withoutKey: per(withoutKey), withKey: per(withKey), withKeyRetried: per(withKeyRetried) };
}

function decoded(message: OutboxMessage): BankEvent {
  const result = decodeEvent(message.value);
  if (!result.ok) throw new Error(`the projector published an undecodable message: ${result.message}`);
  return result.event;
}
