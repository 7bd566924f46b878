import type { BankEvent } from '../events/types.js';
import { decide } from './decide.js';
import { evolve } from './evolve.js';
import { DEFAULT_RULES, type DecisionRules } from './rules.js';
import { initialState } from './state.js';
import type { AccountsState, Decider, Outcome } from './types.js';

/**
 * The account decider as one value, Emmett style, deciding by the given rules.
 *
 * @example
 * const strict = createAccountDecider({ balanceLimit: 1_000 });
 * strict.decide(request, strict.initialState());
 */
export function createAccountDecider(
  rules: DecisionRules = DEFAULT_RULES,
): Decider<AccountsState, BankEvent, Outcome> {
  return { decide: (request, state) => decide(request, state, rules), evolve, initialState };
}

/**
 * The account decider with the rules in force.
 *
 * @example
 * const outcomes = accountDecider.decide(request, accountDecider.initialState());
 */
export const accountDecider = createAccountDecider();
