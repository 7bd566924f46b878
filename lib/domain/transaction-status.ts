import { unreachable } from './exhaustive.js';
import type { Outcome, TransactionStatus } from './types.js';

/**
 * Stages of a transaction, in the only order they can happen. `requested` is for the HTTP function that records
 * a pending transaction when it publishes the request; a transfer is `debited` at the source, `settled` when the
 * destination credits or refuses it (or the source refuses it), and `refunded` when a refused credit's money is
 * back. Opening, deposit and withdrawal go straight to `settled`, their final stage.
 *
 * @example
 * transactionStatus(debited).stage === TRANSACTION_STAGE.debited; // true
 */
export const TRANSACTION_STAGE = { requested: 0, debited: 1, settled: 2, refunded: 3 } as const;

/**
 * The status of a transaction right after `outcome`.
 *
 * | outcome | status | stage | refund |
 * | --- | --- | --- | --- |
 * | AccountOpened, Deposited, Withdrawn, TransferCredited | applied | settled (2) | none |
 * | AccountOpenRejected, DepositRejected, WithdrawalRejected, TransferRejected | rejected | settled (2) | none |
 * | TransferDebited | pending | debited (1) | none |
 * | TransferCreditRejected | rejected | settled (2) | pending (none for invalid_transfer) |
 * | TransferRefunded / TransferRefundRejected | rejected (credit's reason) | refunded (3) | applied / failed |
 *
 * Where two partitions record one transaction (a transfer's source and destination), the status of the
 * higher stage wins; the projection store keeps that rule where both writes meet (see `apply-batch.lua`).
 *
 * @example
 * transactionStatus(debited); // { status: 'pending', stage: 1, … }
 */
export function transactionStatus(outcome: Outcome): TransactionStatus {
  const { transactionId, at: updatedAt } = outcome;
  const settled = TRANSACTION_STAGE.settled;
  switch (outcome.type) {
    case 'AccountOpened':
      return {
        transactionId,
        kind: 'account_open',
        status: 'applied',
        stage: settled,
        reason: null,
        refund: 'none',
        updatedAt,
      };
    case 'AccountOpenRejected':
      return {
        transactionId,
        kind: 'account_open',
        status: 'rejected',
        stage: settled,
        reason: outcome.reason,
        refund: 'none',
        updatedAt,
      };
    case 'Deposited':
      return {
        transactionId,
        kind: 'deposit',
        status: 'applied',
        stage: settled,
        reason: null,
        refund: 'none',
        updatedAt,
      };
    case 'DepositRejected':
      return {
        transactionId,
        kind: 'deposit',
        status: 'rejected',
        stage: settled,
        reason: outcome.reason,
        refund: 'none',
        updatedAt,
      };
    case 'Withdrawn':
      return {
        transactionId,
        kind: 'withdrawal',
        status: 'applied',
        stage: settled,
        reason: null,
        refund: 'none',
        updatedAt,
      };
    case 'WithdrawalRejected':
      return {
        transactionId,
        kind: 'withdrawal',
        status: 'rejected',
        stage: settled,
        reason: outcome.reason,
        refund: 'none',
        updatedAt,
      };
    case 'TransferDebited':
      return {
        transactionId,
        kind: 'transfer',
        status: 'pending',
        stage: TRANSACTION_STAGE.debited,
        reason: null,
        refund: 'none',
        updatedAt,
      };
    case 'TransferRejected':
      return {
        transactionId,
        kind: 'transfer',
        status: 'rejected',
        stage: settled,
        reason: outcome.reason,
        refund: 'none',
        updatedAt,
      };
    case 'TransferCredited':
      return {
        transactionId,
        kind: 'transfer',
        status: 'applied',
        stage: settled,
        reason: null,
        refund: 'none',
        updatedAt,
      };
    case 'TransferCreditRejected':
      return {
        transactionId,
        kind: 'transfer',
        status: 'rejected',
        stage: settled,
        reason: outcome.reason,
        refund: outcome.reason === 'invalid_transfer' ? 'none' : 'pending',
        updatedAt,
      };
    case 'TransferRefunded':
      return {
        transactionId,
        kind: 'transfer',
        status: 'rejected',
        stage: TRANSACTION_STAGE.refunded,
        reason: outcome.reason,
        refund: 'applied',
        updatedAt,
      };
    case 'TransferRefundRejected':
      return {
        transactionId,
        kind: 'transfer',
        status: 'rejected',
        stage: TRANSACTION_STAGE.refunded,
        reason: outcome.creditRejectionReason,
        refund: 'failed',
        updatedAt,
      };
    default:
      return unreachable(outcome);
  }
}
