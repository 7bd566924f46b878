import { MAX_BALANCE } from '../events/primitives.js';

/**
 * The business rules `decide` applies that a bank may one day change: a parameter of the decider, so that
 * a new rule takes effect for requests decided from then on, while the facts already on the log, decided
 * under the old rule, stay as they are (a rebuild never decides again).
 *
 * @example
 * const strict = accountDecider({ ...DEFAULT_RULES, balanceLimit: 1_000_000 });
 */
export interface DecisionRules {
  /**
   * Largest balance an account may reach; deposits, credits and refunds that would pass it are rejected
   * `balance_limit_exceeded`. At most MAX_SAFE_INTEGER, where integer arithmetic stops being exact.
   */
  readonly balanceLimit: number;
}

/**
 * The rules in force.
 *
 * @example
 * decide(request, state, DEFAULT_RULES);
 */
export const DEFAULT_RULES: DecisionRules = Object.freeze({ balanceLimit: MAX_BALANCE });
