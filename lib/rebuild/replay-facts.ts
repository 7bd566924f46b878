import { evolveBatch } from '../domain/batch.js';
import type { Outcome } from '../domain/types.js';
import { factId } from '../events/ids.js';
import { logger } from '../logging/logger.js';
import { BatchConflictError } from '../projection/errors.js';
import { projectFacts } from '../projection/project-facts.js';
import type { ProjectionStore } from '../projection/store.js';
import type { PartitionBatch } from '../projector/partition-batch.js';

/** A namespace being rebuilt has no other writer; a refusal means something else wrote it, so retry a little. */
const MAX_CONFLICT_RETRIES = 3;

/**
 * Applies one facts partition's batch to a namespace: reads the accounts the facts touch and which of
 * their requests are already recorded, evolves (never decides), and writes what the facts determine,
 * the same write the live projector made when it decided them. Publishes nothing. Returns how many
 * facts were applied (a fact published twice is applied once).
 *
 * @example
 * ```ts
 * const applied = await replayFacts(store, partitionBatch(topicPartition, records, factValue), 'rebuilt');
 * ```
 */
export async function replayFacts(
  store: ProjectionStore,
  batch: PartitionBatch<Outcome>,
  namespace: string,
): Promise<number> {
  for (const letter of batch.deadLetters) {
    // The live projector published this fact, so this is a bug to look into; the rebuild goes on.
    logger.warn('fact record unusable in a rebuild', {
      topic: letter.topic,
      partition: letter.partition,
      offset: letter.offset,
      reason: letter.reason,
    });
  }
  const facts = batch.items.map((item) => item.value);
  const accounts = [...new Set(facts.map((fact) => fact.accountId))];
  const requests = [
    ...new Map(
      facts.map((fact) => [
        fact.requestEventId,
        { transactionId: fact.transactionId, requestEventId: fact.requestEventId },
      ]),
    ).values(),
  ];
  for (let attempt = 0; ; attempt += 1) {
    const state = await store.readBatchState({ namespace, followPointer: false, accounts, requests });
    const applied = new Set(
      [...state.decided].flatMap(([requestEventId, types]) =>
        types.map((type) => factId(requestEventId, type)),
      ),
    );
    const { steps } = evolveBatch(facts, state.accounts, { applied });
    const expectedVersions = new Map(accounts.map((id) => [id, state.accounts.get(id)?.version ?? 0]));
    try {
      await store.applyBatch(
        {
          ...projectFacts(steps, state.accounts, state.decided),
          namespace,
          followPointer: false,
          partition: batch.partition,
          expectedVersions,
          outbox: [],
        },
        { returnOutbox: false },
      );
      return steps.length;
    } catch (error) {
      if (!(error instanceof BatchConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}
