import type { BankEvent } from '../events/types.js';
import { decide } from './decide.js';
import { decisionKey } from './deduplication.js';
import { evolve } from './evolve.js';
import { initialState } from './state.js';
import type { AccountsState, DecideAllOptions, DecideAllResult, Decider, Outcome } from './types.js';

/**
 * The account decider as one value, Emmett style.
 *
 * @example
 * const outcomes = accountDecider.decide(request, accountDecider.initialState());
 */
export const accountDecider: Decider<AccountsState, BankEvent, Outcome> = { decide, evolve, initialState };

/**
 * Folds a batch of requests in order: decide each against the state so far, evolve with its outcomes.
 * A request whose {@link decisionKey} was already decided (earlier in the batch, or in `options.alreadyDecided`)
 * is returned in `duplicates` instead of being decided again. Pure: the same requests, initial state and options
 * always give the same result.
 *
 * @example
 * const { outcomes, state, decidedKeys } = decideAll(batch, accountsState(loaded), { alreadyDecided });
 * const toPublish = outcomes.flatMap(followUps);
 */
export function decideAll(
  requests: readonly BankEvent[],
  initial: AccountsState,
  options: DecideAllOptions = {},
): DecideAllResult {
  const before = options.alreadyDecided;
  const decidedKeys: string[] = [];
  const decidedHere = new Set<string>();
  const outcomes: Outcome[] = [];
  const duplicates: BankEvent[] = [];
  let state = initial;
  for (const request of requests) {
    const key = decisionKey(request);
    if (decidedHere.has(key) || before?.has(key)) {
      duplicates.push(request);
      continue;
    }
    decidedHere.add(key);
    decidedKeys.push(key);
    for (const outcome of decide(request, state)) {
      state = evolve(state, outcome);
      outcomes.push(outcome);
    }
  }
  return { outcomes, state, decidedKeys, duplicates };
}
