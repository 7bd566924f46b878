import { evolveBatch, type FactStep } from '../domain/batch.js';
import type { AccountsState, Outcome } from '../domain/types.js';
import { factId } from '../events/ids.js';
import { logger } from '../logging/logger.js';
import { BatchConflictError } from '../projection/errors.js';
import { projectFacts } from '../projection/project-facts.js';
import type { ProjectionStore } from '../projection/store.js';
import type { PartitionBatch } from '../projector/partition-batch.js';

/** A namespace being rebuilt has no other writer; a refusal means something else wrote it, so retry a little. */
const MAX_CONFLICT_RETRIES = 3;

/**
 * What a restore has evolved of its facts partition so far, from the log's start: every account as the
 * facts leave it, and the ids of the facts seen. With it, {@link replayFacts} judges what the projection
 * still holds by each account's version rather than by the dedupe markers: after a partial loss (keys
 * evicted, a wipe racing a write) a request's marker may outlive the account it changed, and the fact
 * must then be applied again.
 */
export interface RestoreFold {
  accounts: AccountsState;
  readonly seen: Set<string>;
}

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
  restore?: RestoreFold,
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
  const requests = [...new Set(facts.map((fact) => fact.requestEventId))];
  const fromLog = restore ? evolveFromLog(facts, restore) : undefined;
  for (let attempt = 0; ; attempt += 1) {
    const state = await store.readBatchState({
      namespace,
      followPointer: false,
      partition: batch.partition,
      accounts,
      requests,
    });
    const applied = new Set(
      [...state.decided].flatMap(([requestEventId, types]) =>
        types.map((type) => factId(requestEventId, type)),
      ),
    );
    // A fact that moved its account's version is held when the account's version is at least that; one
    // that did not (a rejection on a missing account, a forbidden request) is held when its request's
    // marker says so, as it changes nothing else.
    const steps = fromLog
      ? fromLog
          .filter(({ step: { fact, account }, movedVersion }) =>
            account && movedVersion
              ? (state.accounts.get(account.accountId)?.version ?? 0) < account.version
              : !applied.has(factId(fact.requestEventId, fact.type)),
          )
          .map(({ step }) => step)
      : evolveBatch(facts, state.accounts, { applied }).steps;
    try {
      await store.applyBatch(
        {
          ...projectFacts(steps, state.accounts, state.decided),
          namespace,
          followPointer: false,
          partition: batch.partition,
          expectedFacts: state.partitionFacts,
          transactionsInOrder: false,
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

/**
 * Evolves a restore's next facts over what it evolved before, whatever the projection holds; each step
 * says whether its fact moved its account's version.
 */
function evolveFromLog(
  facts: readonly Outcome[],
  restore: RestoreFold,
): readonly { step: FactStep; movedVersion: boolean }[] {
  const { steps, state } = evolveBatch(facts, restore.accounts, { applied: restore.seen });
  const versions = new Map([...restore.accounts].map(([id, account]) => [id, account.version]));
  const annotated = steps.map((step) => {
    restore.seen.add(factId(step.fact.requestEventId, step.fact.type));
    const version = step.account?.version ?? 0;
    const movedVersion = version > (versions.get(step.fact.accountId) ?? 0);
    if (step.account) versions.set(step.fact.accountId, version);
    return { step, movedVersion };
  });
  restore.accounts = state;
  return annotated;
}
