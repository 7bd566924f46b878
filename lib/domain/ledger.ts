import { unreachable } from './exhaustive.js';
import type { LedgerDelta, Outcome } from './types.js';

/**
 * The delta of an outcome that moves no money.
 *
 * @example
 * ledgerDelta(rejection) === ZERO_LEDGER_DELTA; // true
 */
export const ZERO_LEDGER_DELTA: LedgerDelta = Object.freeze({ deposited: 0, withdrawn: 0, inFlight: 0 });

/**
 * How one outcome changes the conservation totals, so that Σ balances + inFlight = deposited − withdrawn holds
 * after every outcome: a deposit adds to `deposited`, a withdrawal to `withdrawn`; a transfer debit moves the
 * amount from the source's balance into `inFlight`, and a credit or refund moves it out again into a balance.
 * Rejections (including a refused refund, whose amount therefore stays in flight) change nothing.
 *
 * @example
 * ledgerDelta(debited); // { deposited: 0, withdrawn: 0, inFlight: debited.amount }
 */
export function ledgerDelta(outcome: Outcome): LedgerDelta {
  switch (outcome.type) {
    case 'Deposited':
      return { deposited: outcome.amount, withdrawn: 0, inFlight: 0 };
    case 'Withdrawn':
      return { deposited: 0, withdrawn: outcome.amount, inFlight: 0 };
    case 'TransferDebited':
      return { deposited: 0, withdrawn: 0, inFlight: outcome.amount };
    case 'TransferCredited':
    case 'TransferRefunded':
      return { deposited: 0, withdrawn: 0, inFlight: -outcome.amount };
    case 'AccountOpened':
    case 'AccountOpenRejected':
    case 'DepositRejected':
    case 'WithdrawalRejected':
    case 'TransferRejected':
    case 'TransferCreditRejected':
    case 'TransferRefundRejected':
      return ZERO_LEDGER_DELTA;
    default:
      return unreachable(outcome);
  }
}

/**
 * Adds two ledger deltas (or a delta to running totals).
 *
 * @example
 * const totals = outcomes.map(ledgerDelta).reduce(addLedgerDelta, ZERO_LEDGER_DELTA);
 */
export function addLedgerDelta(a: LedgerDelta, b: LedgerDelta): LedgerDelta {
  return {
    deposited: a.deposited + b.deposited,
    withdrawn: a.withdrawn + b.withdrawn,
    inFlight: a.inFlight + b.inFlight,
  };
}
