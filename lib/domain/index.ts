/**
 * The account decider: pure decisions over requests (facts out), the fold of facts every view is built
 * with, the saga's follow-up requests, transaction statuses and conservation deltas.
 *
 * @example
 * import { decideBatch, evolveBatch, followUps, ledgerDelta } from '../domain/index.js';
 */
export { type BatchFold, decideBatch, evolveBatch, type FactStep } from './batch.js';
export { decide } from './decide.js';
export { accountDecider, createAccountDecider } from './decider.js';
export { OutcomeNotApplicableError } from './errors.js';
export { evolve } from './evolve.js';
export { unreachable } from './exhaustive.js';
export { addLedgerDelta, ledgerDelta, ZERO_LEDGER_DELTA } from './ledger.js';
export { isForbidden, mayActOn, mayOpenAccount, maySee, maySeeTransaction } from './ownership.js';
export { DEFAULT_RULES, type DecisionRules } from './rules.js';
export { followUps } from './saga.js';
export { accountsState, initialState } from './state.js';
export { TRANSACTION_STAGE, transactionStatus } from './transaction-status.js';
export type * from './types.js';
