/**
 * The account decider: pure decisions over the request log, the saga's follow-up events, transaction statuses
 * and conservation deltas for the projection.
 *
 * @example
 * import { decideAll, followUps, ledgerDelta, transactionStatus } from '../domain/index.js';
 */
export { decide } from './decide.js';
export { accountDecider, decideAll } from './decider.js';
export { decisionKey } from './deduplication.js';
export { OutcomeNotApplicableError } from './errors.js';
export { evolve } from './evolve.js';
export { addLedgerDelta, ledgerDelta, ZERO_LEDGER_DELTA } from './ledger.js';
export { followUps } from './saga.js';
export { accountsState, initialState } from './state.js';
export { supersedes, TRANSACTION_STAGE, transactionStatus } from './transaction-status.js';
export type * from './types.js';
