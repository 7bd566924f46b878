import { decide } from '../domain/decide.js';
import { evolve } from '../domain/evolve.js';
import { ledgerDelta } from '../domain/ledger.js';
import { followUps } from '../domain/saga.js';
import type { Account, AccountsState, Outcome } from '../domain/types.js';
import { encodeEvent } from '../events/codec.js';
import { kafkaHeaders } from '../events/headers.js';
import type { BankEvent } from '../events/types.js';
import { childTraceparent } from '../logging/trace-context.js';
import type { BatchState, BatchWrite, DeadLetter, HistoryEntry, OutboxMessage } from '../projection/types.js';
import { historyEntry, transactionRecord } from './outcome-records.js';

/** What a planned batch did, for metrics and logs. */
export interface BatchCounts {
  records: number;
  applied: number;
  rejected: number;
  duplicates: number;
  deadLettered: number;
}

/** One partition's decoded batch, in log order. */
export interface PartitionBatch {
  topicPartition: string;
  lastOffset: string;
  events: BankEvent[];
  deadLetters: DeadLetter[];
  /** The W3C traceparent each event's record carried, by event id (see lib/logging/trace-context.ts). */
  traceparents?: Map<string, string>;
}

/**
 * Decides a partition's batch against the state read for it and plans the single atomic write that
 * records the result: pure, so the same log always plans the same write (deterministic replay).
 *
 * Events already applied (in Redis, or earlier in this batch) are counted as duplicates and skipped.
 * Saga follow-ups go to the outbox only when `withOutbox` is set: a rebuild replays the log, where the
 * follow-ups already are, and must never publish.
 *
 * @example
 * ```ts
 * const { write, counts } = planBatch(batch, await store.readBatchState(…), { withOutbox: true, followPointer: true });
 * ```
 */
export function planBatch(
  batch: PartitionBatch,
  state: BatchState,
  options: { withOutbox: boolean; followPointer: boolean },
): { write: BatchWrite; counts: BatchCounts } {
  const initial: AccountsState = state.accounts;
  // One mutable map for the batch: `decide` reads only the account an event is keyed by, so each event is
  // decided and evolved over a one-account state instead of copying every account per outcome.
  const accounts = new Map(initial);
  const seen = new Set(state.seen);
  const applied: string[] = [];
  const outcomes: Outcome[] = [];
  const history: { accountId: string; entry: HistoryEntry }[] = [];
  const totals = { deposited: 0, withdrawn: 0, inFlight: 0, balances: 0 };
  const outbox: OutboxMessage[] = [];
  let duplicates = 0;
  let rejected = 0;

  for (const event of batch.events) {
    if (seen.has(event.eventId)) {
      duplicates += 1;
      continue;
    }
    seen.add(event.eventId);
    applied.push(event.eventId);
    const own = accounts.get(event.accountId);
    let local: AccountsState = own ? new Map([[event.accountId, own]]) : NO_ACCOUNTS;
    for (const outcome of decide(event, local)) {
      local = evolve(local, outcome);
      outcomes.push(outcome);
      const account = local.get(outcome.accountId);
      if (account) accounts.set(account.accountId, account);
      if (outcome.type.endsWith('Rejected')) rejected += 1;
      const entry = historyEntry(outcome, account !== undefined);
      if (entry && account)
        history.push({ accountId: account.accountId, entry: { ...entry, seq: account.version } });
      const delta = ledgerDelta(outcome);
      totals.deposited += delta.deposited;
      totals.withdrawn += delta.withdrawn;
      totals.inFlight += delta.inFlight;
      if (options.withOutbox) {
        for (const followUp of followUps(outcome)) outbox.push(toOutboxMessage(followUp, batch.traceparents));
      }
    }
  }

  const changed: Account[] = [];
  for (const [accountId, account] of accounts) {
    const before = initial.get(accountId);
    if (before !== account) {
      changed.push(account);
      totals.balances += account.balance - (before?.balance ?? 0);
    }
  }

  const expectedVersions = new Map<string, number>();
  for (const event of batch.events)
    expectedVersions.set(event.accountId, initial.get(event.accountId)?.version ?? 0);

  return {
    write: {
      namespace: state.namespace,
      followPointer: options.followPointer,
      expectedVersions,
      applied,
      accounts: changed,
      history,
      transactions: outcomes.map(transactionRecord),
      totals,
      outbox,
      deadLetters: batch.deadLetters,
      topicPartition: batch.topicPartition,
      checkpoints: new Map([[batch.topicPartition, batch.lastOffset]]),
    },
    counts: {
      records: batch.events.length + batch.deadLetters.length,
      applied: outcomes.length - rejected,
      rejected,
      duplicates,
      deadLettered: batch.deadLetters.length,
    },
  };
}

const NO_ACCOUNTS: AccountsState = new Map();

function toOutboxMessage(event: BankEvent, traceparents: Map<string, string> | undefined): OutboxMessage {
  // A follow-up continues the trace of the request that caused it.
  const cause = traceparents?.get(event.metadata.causationId ?? '');
  return {
    eventId: event.eventId,
    key: event.accountId,
    value: encodeEvent(event),
    headers: kafkaHeaders(event, { traceparent: childTraceparent(cause, event.eventId) ?? null }),
  };
}
