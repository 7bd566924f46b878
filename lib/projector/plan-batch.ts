import { decideBatch } from '../domain/batch.js';
import { isCommandRequest } from '../domain/decide.js';
import type { DecisionRules } from '../domain/rules.js';
import { followUps } from '../domain/saga.js';
import type { Outcome } from '../domain/types.js';
import { encodeEvent } from '../events/codec.js';
import { CONTENT_TYPE_JSON, KAFKA_HEADERS, kafkaHeaders } from '../events/headers.js';
import type { BankEvent } from '../events/types.js';
import { childTraceparent } from '../logging/trace-context.js';
import { CURRENT_FACT_SCHEMA_VERSION, encodeFact } from '../facts/codec.js';
import { projectFacts } from '../projection/project-facts.js';
import type { BatchState, BatchWrite, DeadLetter, OutboxMessage } from '../projection/types.js';
import type { PartitionBatch } from './partition-batch.js';

/** What a planned batch did, for metrics and logs. */
export interface BatchCounts {
  records: number;
  applied: number;
  rejected: number;
  duplicates: number;
  deadLettered: number;
}

/**
 * Decides a commands partition's batch against the state read for it, and plans the one atomic write
 * that records the decision: the facts' effect on the projection (the same write a rebuild derives
 * from the facts), and an outbox holding the facts for the facts topic and the saga's follow-up
 * requests for the commands topic, in the order they must be published. Pure.
 *
 * @example
 * ```ts
 * const { write, counts } = planBatch(batch, await store.readBatchState(…), { rules });
 * ```
 */
export function planBatch(
  batch: PartitionBatch<BankEvent>,
  state: BatchState,
  options: { rules?: DecisionRules; abandoned?: ReadonlySet<string> } = {},
): { write: BatchWrite; counts: BatchCounts } {
  const requests = batch.items.map((item) => item.value);
  const abandoned = options.abandoned ?? new Set<string>();
  const { steps, duplicates } = decideBatch(requests, state.accounts, {
    applied: new Set(state.decided.keys()),
    abandoned,
    ...(options.rules ? { rules: options.rules } : {}),
  });
  // Each command request decided now: the write checks whether its transaction was abandoned.
  const decidedNow = new Set(steps.map((step) => step.fact.requestEventId));
  const fates = [
    ...new Map(
      requests
        .filter((request) => decidedNow.has(request.eventId) && isCommandRequest(request))
        .map((request) => [
          request.data.transactionId,
          { transactionId: request.data.transactionId, abandoned: abandoned.has(request.data.transactionId) },
        ]),
    ).values(),
  ];
  // A request delivered twice is decided at its first offset: that one orders its facts.
  // Its trace is the one the facts and follow-ups continue.
  const offsets = new Map<string, string>();
  const traces = new Map<string, string>();
  for (const { value, offset, traceparent } of batch.items) {
    if (offsets.has(value.eventId)) continue;
    offsets.set(value.eventId, offset);
    if (traceparent) traces.set(value.eventId, traceparent);
  }
  const outbox: OutboxMessage[] = [];
  let rejected = 0;
  let request: string | undefined;
  let index = 0;
  for (const { fact } of steps) {
    if (fact.type.endsWith('Rejected')) rejected += 1;
    if (fact.requestEventId !== request) {
      request = fact.requestEventId;
      index = 0;
    }
    // Positions sort as the requests were decided: a partition's facts reach the topic in that order.
    const offset = offsets.get(fact.requestEventId) ?? '0';
    const position = () => outboxPosition(offset, index++);
    const cause = traces.get(fact.requestEventId);
    outbox.push(factMessage(fact, position(), cause));
    for (const followUp of followUps(fact)) outbox.push(requestMessage(followUp, position(), cause));
  }
  for (const letter of batch.deadLetters) outbox.push(deadLetterMessage(letter));
  outbox.sort(byPosition);

  return {
    write: {
      ...projectFacts(steps, state.accounts, state.decided),
      namespace: state.namespace,
      followPointer: true,
      partition: batch.partition,
      expectedFacts: state.partitionFacts,
      transactionsInOrder: true,
      commandsOffset: batch.lastOffset,
      commandsFollows: String(BigInt(batch.firstOffset) - 1n),
      fates,
      outbox,
    },
    counts: {
      records: batch.items.length + batch.deadLetters.length,
      applied: steps.length - rejected,
      rejected,
      duplicates: duplicates.length,
      deadLettered: batch.deadLetters.length,
    },
  };
}

const byPosition = (a: OutboxMessage, b: OutboxMessage) =>
  a.position < b.position ? -1 : a.position > b.position ? 1 : 0;

/** Where a request's messages sort in the outbox: by its record's offset, then its step. */
function outboxPosition(offset: string, index: number): string {
  return `${offset.padStart(20, '0')}.${String(index).padStart(4, '0')}`;
}

/**
 * A dead letter for the dead-letter topic, published in log order with the facts, keyed by where the
 * record was (a copy published twice is one dead letter).
 */
function deadLetterMessage(letter: DeadLetter): OutboxMessage {
  const id = `${letter.topic}:${letter.partition}:${letter.offset}`;
  return {
    position: outboxPosition(letter.offset, 0),
    id,
    topic: 'deadLetters',
    key: id,
    value: JSON.stringify(letter),
    headers: { [KAFKA_HEADERS.contentType]: CONTENT_TYPE_JSON },
  };
}

// A fact or a follow-up continues the trace of the request that caused it.
function factMessage(fact: Outcome, position: string, cause: string | undefined): OutboxMessage {
  const { factId, value } = encodeFact(fact);
  return {
    position,
    id: factId,
    topic: 'facts',
    key: fact.accountId,
    value,
    headers: kafkaHeaders(
      { type: fact.type, schemaVersion: CURRENT_FACT_SCHEMA_VERSION },
      { traceparent: childTraceparent(cause, factId) ?? null },
    ),
  };
}

function requestMessage(event: BankEvent, position: string, cause: string | undefined): OutboxMessage {
  return {
    position,
    id: event.eventId,
    topic: 'commands',
    key: event.accountId,
    value: encodeEvent(event),
    headers: kafkaHeaders(event, { traceparent: childTraceparent(cause, event.eventId) ?? null }),
  };
}
