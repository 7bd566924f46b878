import type { FactStep } from '../domain/batch.js';
import { ledgerDelta } from '../domain/ledger.js';
import type { Outcome } from '../domain/types.js';
import { historyEntry, transactionRecord } from './fact-records.js';
import type { BatchWrite, DecisionMarker, StoredAccount } from './types.js';

/** The part of a batch's write that its facts alone determine. */
export type FactsWrite = Pick<
  BatchWrite,
  'accounts' | 'history' | 'transactions' | 'totals' | 'decisions' | 'factsApplied'
>;

/**
 * What a batch's facts change in the projection: the accounts they left behind, a history entry per
 * fact on an existing account, the transactions' statuses, the conservation totals, and the dedupe
 * markers of the requests they decide. The live projector and a rebuild both write this, from the same
 * facts, so they write the same keys.
 *
 * @example
 * ```ts
 * const { steps } = evolveBatch(facts, state.accounts, { applied });
 * const write = projectFacts(steps, state.accounts, state.decided);
 * ```
 */
export function projectFacts(
  steps: readonly FactStep[],
  before: ReadonlyMap<string, StoredAccount>,
  decidedBefore: ReadonlyMap<string, readonly string[]>,
): FactsWrite {
  const history: BatchWrite['history'] = [];
  const totals = { deposited: 0, withdrawn: 0, inFlight: 0, balances: 0 };
  const after = new Map<string, StoredAccount>();
  const decisions = new Map<string, DecisionMarker>();
  for (const { fact, account } of steps) {
    if (account) {
      after.set(account.accountId, account);
      const entry = historyEntry(fact, true);
      if (entry) history.push({ accountId: account.accountId, entry: { ...entry, seq: account.version } });
    }
    const delta = ledgerDelta(fact);
    totals.deposited += delta.deposited;
    totals.withdrawn += delta.withdrawn;
    totals.inFlight += delta.inFlight;
    markDecided(decisions, decidedBefore, fact);
  }
  const accounts: StoredAccount[] = [];
  for (const [accountId, account] of after) {
    const previous = before.get(accountId);
    if (previous === account) continue;
    accounts.push(account);
    totals.balances += account.balance - (previous?.balance ?? 0);
  }
  return {
    accounts,
    history,
    transactions: steps.map(({ fact }) => transactionRecord(fact)),
    totals,
    decisions: [...decisions.values()],
    factsApplied: steps.length,
  };
}

function markDecided(
  decisions: Map<string, DecisionMarker>,
  decidedBefore: ReadonlyMap<string, readonly string[]>,
  fact: Outcome,
): void {
  let marker = decisions.get(fact.requestEventId);
  if (!marker) {
    const before = [...(decidedBefore.get(fact.requestEventId) ?? [])];
    marker = {
      transactionId: fact.transactionId,
      requestEventId: fact.requestEventId,
      before,
      after: [...before],
    };
    decisions.set(fact.requestEventId, marker);
  }
  // A restore may apply again a fact whose marker outlived its account.
  if (!marker.after.includes(fact.type)) marker.after.push(fact.type);
}
