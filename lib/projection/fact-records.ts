import { transactionStatus } from '../domain/transaction-status.js';
import type { Outcome } from '../domain/types.js';
import { unreachable } from '../domain/exhaustive.js';
import { isForbidden } from '../domain/ownership.js';
import type { HistoryEntry, StoredTransaction } from './types.js';

/**
 * The history entry a fact leaves on its account, without its position (`seq`), or undefined
 * when it leaves none: openings, and refusals on accounts that do not exist.
 *
 * @example
 * ```ts
 * const entry = historyEntry(outcome, accountExists);
 * ```
 */
export function historyEntry(
  outcome: Outcome,
  accountExists: boolean,
): Omit<HistoryEntry, 'seq'> | undefined {
  // A forbidden request is the requester's business, not the account owner's: see `isForbidden`.
  if (!accountExists || isForbidden(outcome)) return undefined;
  const base = { transactionId: outcome.transactionId, at: outcome.at };
  switch (outcome.type) {
    case 'AccountOpened':
    case 'AccountOpenRejected':
      return undefined;
    case 'Deposited':
      return {
        ...base,
        type: 'deposit',
        amount: outcome.amount,
        applied: true,
        balanceAfter: outcome.balanceAfter,
      };
    case 'DepositRejected':
      return { ...base, type: 'deposit', amount: outcome.amount, applied: false };
    case 'Withdrawn':
      return {
        ...base,
        type: 'withdrawal',
        amount: outcome.amount,
        applied: true,
        balanceAfter: outcome.balanceAfter,
      };
    case 'WithdrawalRejected':
      return { ...base, type: 'withdrawal', amount: outcome.amount, applied: false };
    case 'TransferDebited':
      return {
        ...base,
        type: 'transfer_out',
        amount: outcome.amount,
        applied: true,
        balanceAfter: outcome.balanceAfter,
        counterparty: outcome.counterpartyAccountId,
      };
    case 'TransferRejected':
      return {
        ...base,
        type: 'transfer_out',
        amount: outcome.amount,
        applied: false,
        counterparty: outcome.counterpartyAccountId,
      };
    case 'TransferCredited':
      return {
        ...base,
        type: 'transfer_in',
        amount: outcome.amount,
        applied: true,
        balanceAfter: outcome.balanceAfter,
        counterparty: outcome.counterpartyAccountId,
      };
    case 'TransferCreditRejected':
      return {
        ...base,
        type: 'transfer_in',
        amount: outcome.amount,
        applied: false,
        counterparty: outcome.counterpartyAccountId,
      };
    case 'TransferRefunded':
      return {
        ...base,
        type: 'refund',
        amount: outcome.amount,
        applied: true,
        balanceAfter: outcome.balanceAfter,
        counterparty: outcome.counterpartyAccountId,
      };
    case 'TransferRefundRejected':
      return {
        ...base,
        type: 'refund',
        amount: outcome.amount,
        applied: false,
        counterparty: outcome.counterpartyAccountId,
      };
    default:
      return unreachable(outcome);
  }
}

/**
 * The transaction record a fact writes. A transfer is always described from its source: the
 * account that asked, the amount and the destination as counterparty, whichever partition decided.
 *
 * @example
 * ```ts
 * const tx = transactionRecord(outcome); // { status: 'applied', stage: 2, … }
 * ```
 */
export function transactionRecord(outcome: Outcome): StoredTransaction {
  const status = transactionStatus(outcome);
  const onDestination = outcome.type === 'TransferCredited' || outcome.type === 'TransferCreditRejected';
  const amount = 'amount' in outcome ? outcome.amount : undefined;
  const counterparty = 'counterpartyAccountId' in outcome ? outcome.counterpartyAccountId : undefined;
  const accountId = onDestination && counterparty ? counterparty : outcome.accountId;
  const otherSide = onDestination ? outcome.accountId : counterparty;
  const initiator = initiatorOf(outcome);
  return {
    transactionId: outcome.transactionId,
    type: status.kind,
    status: status.status,
    stage: status.stage,
    accountId,
    at: status.updatedAt,
    ...(status.reason ? { reason: status.reason } : {}),
    ...(amount !== undefined ? { amount } : {}),
    ...(otherSide ? { counterparty: otherSide } : {}),
    ...(initiator ? { initiator } : {}),
  };
}

/**
 * Who asked for the transaction a fact belongs to, when the fact knows: the facts decided from a
 * customer's request name their principal; the saga's later steps do not (the transfer's debit did).
 */
function initiatorOf(outcome: Outcome): string | undefined {
  switch (outcome.type) {
    case 'AccountOpened':
      return outcome.owner;
    case 'AccountOpenRejected':
    case 'Deposited':
    case 'DepositRejected':
    case 'Withdrawn':
    case 'WithdrawalRejected':
    case 'TransferDebited':
    case 'TransferRejected':
      return outcome.initiator;
    case 'TransferCredited':
    case 'TransferCreditRejected':
    case 'TransferRefunded':
    case 'TransferRefundRejected':
      return undefined;
    default:
      return unreachable(outcome);
  }
}
