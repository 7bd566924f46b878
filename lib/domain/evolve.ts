import { MAX_BALANCE } from '../events/primitives.js';
import { OutcomeNotApplicableError } from './errors.js';
import { unreachable } from './exhaustive.js';
import { isForbidden } from './ownership.js';
import type { Account, AccountsState, Outcome } from './types.js';

function withAccount(state: AccountsState, account: Account): AccountsState {
  const next = new Map(state);
  next.set(account.accountId, account);
  return next;
}

function moveBalance(
  state: AccountsState,
  outcome: Outcome & { balanceAfter: number },
  delta: number,
): AccountsState {
  const account = state.get(outcome.accountId);
  if (!account)
    throw new OutcomeNotApplicableError(outcome.type, outcome.accountId, 'account does not exist');
  const balance = account.balance + delta;
  if (balance !== outcome.balanceAfter) {
    throw new OutcomeNotApplicableError(
      outcome.type,
      outcome.accountId,
      `balance ${account.balance} ${delta >= 0 ? '+' : '-'} ${Math.abs(delta)} is not balanceAfter ${outcome.balanceAfter}`,
    );
  }
  if (balance < 0 || balance > MAX_BALANCE) {
    throw new OutcomeNotApplicableError(
      outcome.type,
      outcome.accountId,
      `balance ${balance} is out of range`,
    );
  }
  return withAccount(state, { ...account, balance, version: account.version + 1, updatedAt: outcome.at });
}

function recordRejection(state: AccountsState, outcome: Outcome): AccountsState {
  const account = state.get(outcome.accountId);
  // A rejection for a missing account is still an outcome (the transaction's status), but there is no account
  // to record it on. Nor is a forbidden request recorded on the account it was refused on: it was never the
  // requester's to touch, and its owner's history and version stay theirs alone.
  if (!account || isForbidden(outcome)) return state;
  return withAccount(state, { ...account, version: account.version + 1, updatedAt: outcome.at });
}

/**
 * Applies one outcome to the state. Pure: returns a new map (the input is not modified) or, for a rejection
 * on a missing account, the same one. Applied outcomes move the balance and must agree with their
 * `balanceAfter`; every outcome on an existing account bumps its `version` and sets `updatedAt` to `at`.
 * Throws {@link OutcomeNotApplicableError} for an outcome that cannot follow the state (never one from `decide`).
 *
 * @example
 * const next = evolve(state, { type: 'Deposited', accountId, amount: 500, balanceAfter: 1500, … });
 * next.get(accountId)?.balance; // 1500
 */
export function evolve(state: AccountsState, outcome: Outcome): AccountsState {
  switch (outcome.type) {
    case 'AccountOpened': {
      if (state.has(outcome.accountId)) {
        throw new OutcomeNotApplicableError(outcome.type, outcome.accountId, 'account already exists');
      }
      const { accountId, owner, name, currency, at } = outcome;
      return withAccount(state, {
        accountId,
        owner,
        name,
        currency,
        balance: 0,
        version: 1,
        openedAt: at,
        updatedAt: at,
      });
    }
    case 'Deposited':
    case 'TransferCredited':
    case 'TransferRefunded':
      return moveBalance(state, outcome, outcome.amount);
    case 'Withdrawn':
    case 'TransferDebited':
      return moveBalance(state, outcome, -outcome.amount);
    case 'AccountOpenRejected':
    case 'DepositRejected':
    case 'WithdrawalRejected':
    case 'TransferRejected':
    case 'TransferCreditRejected':
    case 'TransferRefundRejected':
      return recordRejection(state, outcome);
    default:
      return unreachable(outcome);
  }
}
