import { factId } from '../events/ids.js';
import type { BankEvent } from '../events/types.js';
import { decide, decideAbandoned, isCommandRequest } from './decide.js';
import { evolve } from './evolve.js';
import { isForbidden } from './ownership.js';
import { DEFAULT_RULES, type DecisionRules } from './rules.js';
import type { Account, AccountsState, Outcome } from './types.js';

/**
 * One fact of a batch and the account it left behind (undefined for a rejection on an account that does
 * not exist): what the projection needs to record the fact, e.g. the history entry's position.
 */
export interface FactStep {
  readonly fact: Outcome;
  readonly account: Account | undefined;
}

/**
 * A batch folded: its facts in order, the state after them, and what was skipped as already applied.
 *
 * @example
 * const { steps, state, duplicates }: BatchFold<BankEvent> = decideBatch(requests, loaded, { applied });
 */
export interface BatchFold<Input> {
  readonly steps: readonly FactStep[];
  readonly state: AccountsState;
  /** Inputs skipped because they were applied before (in `applied`) or earlier in the batch. */
  readonly duplicates: readonly Input[];
}

/**
 * Options of {@link decideBatch}.
 *
 * @example
 * decideBatch(requests, loaded, { applied: new Set(decidedRequestIds), rules: DEFAULT_RULES });
 */
export interface DecideBatchOptions {
  /** Event ids of requests already decided: a request redelivered across batches is skipped, not decided twice. */
  readonly applied?: ReadonlySet<string>;
  /** The rules to decide by; {@link DEFAULT_RULES} unless a test or a future rule change passes others. */
  readonly rules?: DecisionRules;
  /**
   * Transaction ids whose commands were abandoned (answered 503, nothing may happen): their command
   * requests are rejected `abandoned`.
   */
  readonly abandoned?: ReadonlySet<string>;
}

/**
 * Options of {@link evolveBatch}.
 *
 * @example
 * evolveBatch(facts, loaded, { applied: new Set(appliedFactIds) });
 */
export interface EvolveBatchOptions {
  /** Ids ({@link factId}) of facts already applied: a fact published twice is applied once. */
  readonly applied?: ReadonlySet<string>;
}

/**
 * The live projector's fold: decides each request of a partition's batch, in log order, against the
 * state the previous decisions left, and evolves the state with the facts decided. A request whose event
 * id was already decided (in `applied`, or earlier in the batch) is returned in `duplicates` and decides
 * nothing: a producer retry, a redelivered batch or a republished saga step moves money once.
 *
 * A command request whose transaction is in `abandoned` is rejected `abandoned` whatever the state,
 * unless its principal had no right to make it: that stays `forbidden`, with no trace on the account.
 *
 * Pure: the same requests, state and options always give the same facts. `decide` reads only the account
 * a request is keyed by, so each request is decided over that one account, not a copy of the whole state.
 *
 * @example
 * const { steps } = decideBatch(requests, accountsState(loaded), { applied });
 * const facts = steps.map((step) => step.fact);
 */
export function decideBatch(
  requests: readonly BankEvent[],
  initial: AccountsState,
  options: DecideBatchOptions = {},
): BatchFold<BankEvent> {
  const rules = options.rules ?? DEFAULT_RULES;
  const fold = new Fold(initial);
  const decided = new Set<string>();
  const duplicates: BankEvent[] = [];
  for (const request of requests) {
    if (decided.has(request.eventId) || options.applied?.has(request.eventId)) {
      duplicates.push(request);
      continue;
    }
    decided.add(request.eventId);
    const decision = decide(request, fold.stateOf(request.accountId), rules);
    // Ownership first: a request its principal had no right to make stays `forbidden` even when its
    // command abandoned it, so that it leaves no trace on another's account (see `isForbidden`).
    const facts =
      isCommandRequest(request) &&
      options.abandoned?.has(request.data.transactionId) &&
      !decision.some(isForbidden)
        ? [decideAbandoned(request)]
        : decision;
    for (const fact of facts) fold.apply(fact);
  }
  return fold.result(duplicates);
}

/**
 * The fold every view is rebuilt with: evolves the state with facts read from the log, in order, and
 * never decides. A fact whose id was already applied (in `applied`, or earlier in the batch) is returned
 * in `duplicates`. Given the facts `decideBatch` decided, it gives the same steps and state.
 *
 * @example
 * const { steps, state } = evolveBatch(factsFromTheLog, accountsState(loaded), { applied });
 */
export function evolveBatch(
  facts: readonly Outcome[],
  initial: AccountsState,
  options: EvolveBatchOptions = {},
): BatchFold<Outcome> {
  const fold = new Fold(initial);
  const seen = new Set<string>();
  const duplicates: Outcome[] = [];
  for (const fact of facts) {
    const id = factId(fact.requestEventId, fact.type);
    if (seen.has(id) || options.applied?.has(id)) {
      duplicates.push(fact);
      continue;
    }
    seen.add(id);
    fold.apply(fact);
  }
  return fold.result(duplicates);
}

const NO_ACCOUNTS: AccountsState = new Map();

/** The one place both folds evolve: over the fact's own account, recording the step. */
class Fold {
  readonly #accounts: Map<string, Account>;
  readonly #steps: FactStep[] = [];

  constructor(initial: AccountsState) {
    this.#accounts = new Map(initial);
  }

  stateOf(accountId: string): AccountsState {
    const account = this.#accounts.get(accountId);
    return account ? new Map([[accountId, account]]) : NO_ACCOUNTS;
  }

  apply(fact: Outcome): void {
    const account = evolve(this.stateOf(fact.accountId), fact).get(fact.accountId);
    if (account) this.#accounts.set(fact.accountId, account);
    this.#steps.push({ fact, account });
  }

  result<Input>(duplicates: Input[]): BatchFold<Input> {
    return { steps: this.#steps, state: this.#accounts, duplicates };
  }
}
