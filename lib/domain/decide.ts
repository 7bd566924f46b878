import type {
  AccountOpenRequested,
  BankEvent,
  DepositRequested,
  TransferCreditRequested,
  TransferRefundRequested,
  TransferRequested,
  WithdrawalRequested,
} from '../events/types.js';
import { unreachable } from './exhaustive.js';
import { mayActOn, mayOpenAccount } from './ownership.js';
import { DEFAULT_RULES, type DecisionRules } from './rules.js';
import type { Account, AccountsState, Outcome, OutcomeBase } from './types.js';

function base<T extends Outcome['type']>(type: T, request: BankEvent): OutcomeBase<T> {
  return {
    type,
    requestEventId: request.eventId,
    transactionId: request.data.transactionId,
    accountId: request.accountId,
    correlationId: request.metadata.correlationId,
    at: request.occurredAt,
  };
}

function exceedsLimit(account: Account, amount: number, rules: DecisionRules): boolean {
  return account.balance + amount > rules.balanceLimit;
}

function openAccount(request: AccountOpenRequested, account: Account | undefined): Outcome {
  const { name, currency, principal } = request.data;
  const rejected = { ...base('AccountOpenRejected', request), name, currency, initiator: principal.subject };
  if (!mayOpenAccount(principal)) return { ...rejected, reason: 'forbidden' };
  if (account) return { ...rejected, reason: 'account_already_exists' };
  return { ...base('AccountOpened', request), name, currency, owner: principal.subject };
}

function deposit(request: DepositRequested, account: Account | undefined, rules: DecisionRules): Outcome {
  const { amount, principal } = request.data;
  const initiator = principal.subject;
  const rejected = { ...base('DepositRejected', request), amount, initiator };
  if (!account) return { ...rejected, reason: 'account_not_found' };
  if (!mayActOn(principal, account)) return { ...rejected, reason: 'forbidden' };
  if (exceedsLimit(account, amount, rules)) return { ...rejected, reason: 'balance_limit_exceeded' };
  return {
    ...base('Deposited', request),
    initiator,
    amount,
    currency: account.currency,
    balanceAfter: account.balance + amount,
  };
}

function withdraw(request: WithdrawalRequested, account: Account | undefined): Outcome {
  const { amount, principal } = request.data;
  const initiator = principal.subject;
  const rejected = { ...base('WithdrawalRejected', request), amount, initiator };
  if (!account) return { ...rejected, reason: 'account_not_found' };
  if (!mayActOn(principal, account)) return { ...rejected, reason: 'forbidden' };
  if (amount > account.balance) return { ...rejected, reason: 'insufficient_funds' };
  return {
    ...base('Withdrawn', request),
    initiator,
    amount,
    currency: account.currency,
    balanceAfter: account.balance - amount,
  };
}

function debitTransfer(request: TransferRequested, account: Account | undefined): Outcome {
  const { amount, toAccountId: counterpartyAccountId, principal } = request.data;
  const initiator = principal.subject;
  const rejected = { ...base('TransferRejected', request), amount, counterpartyAccountId, initiator };
  // Self-transfer is checked first: it is wrong whatever the state, and must not become a debit + refund loop.
  if (counterpartyAccountId === request.accountId) return { ...rejected, reason: 'invalid_transfer' };
  if (!account) return { ...rejected, reason: 'account_not_found' };
  // Ownership of the source only: anyone's account may receive a transfer.
  if (!mayActOn(principal, account)) return { ...rejected, reason: 'forbidden' };
  if (amount > account.balance) return { ...rejected, reason: 'insufficient_funds' };
  return {
    ...base('TransferDebited', request),
    initiator,
    amount,
    currency: account.currency,
    balanceAfter: account.balance - amount,
    counterpartyAccountId,
  };
}

function creditTransfer(
  request: TransferCreditRequested,
  account: Account | undefined,
  rules: DecisionRules,
): Outcome {
  const { amount, currency, fromAccountId: counterpartyAccountId } = request.data;
  const transferEventId = request.metadata.causationId;
  const rejected = {
    ...base('TransferCreditRejected', request),
    amount,
    currency,
    counterpartyAccountId,
    transferEventId,
  };
  if (counterpartyAccountId === request.accountId) return { ...rejected, reason: 'invalid_transfer' };
  if (!account) return { ...rejected, reason: 'account_not_found' };
  if (account.currency !== currency) return { ...rejected, reason: 'currency_mismatch' };
  if (exceedsLimit(account, amount, rules)) return { ...rejected, reason: 'balance_limit_exceeded' };
  return {
    ...base('TransferCredited', request),
    amount,
    currency,
    balanceAfter: account.balance + amount,
    counterpartyAccountId,
    transferEventId,
  };
}

function refundTransfer(
  request: TransferRefundRequested,
  account: Account | undefined,
  rules: DecisionRules,
): Outcome {
  const { amount, toAccountId: counterpartyAccountId, reason: creditRejectionReason } = request.data;
  const rejected = {
    ...base('TransferRefundRejected', request),
    amount,
    counterpartyAccountId,
    creditRejectionReason,
  };
  // None of these can happen after a real debit (see TransferRefundRejected); refusing keeps the amount in flight
  // rather than creating money for a refund nobody was debited for, or losing it into a missing account.
  if (counterpartyAccountId === request.accountId) return { ...rejected, reason: 'invalid_transfer' };
  if (!account) return { ...rejected, reason: 'account_not_found' };
  if (exceedsLimit(account, amount, rules)) return { ...rejected, reason: 'balance_limit_exceeded' };
  return {
    ...base('TransferRefunded', request),
    amount,
    currency: account.currency,
    balanceAfter: account.balance + amount,
    counterpartyAccountId,
    reason: creditRejectionReason,
  };
}

/** A request a client sent through the API, which its command may abandon; saga steps are not. */
export type CommandRequest =
  AccountOpenRequested | DepositRequested | WithdrawalRequested | TransferRequested;

/**
 * Whether a request came from a command (an HTTP request), rather than from the transfer saga.
 *
 * @example
 * if (isCommandRequest(request) && abandoned.has(request.data.transactionId)) return [decideAbandoned(request)];
 */
export function isCommandRequest(request: BankEvent): request is CommandRequest {
  switch (request.type) {
    case 'AccountOpenRequested':
    case 'DepositRequested':
    case 'WithdrawalRequested':
    case 'TransferRequested':
      return true;
    case 'TransferCreditRequested':
    case 'TransferRefundRequested':
      return false;
    default:
      return unreachable(request);
  }
}

/**
 * The decision on a request whose command answered 503 because it could not confirm the publish, and
 * marked the transaction abandoned so that it never takes effect: rejected, reason `abandoned`, whatever
 * the state.
 *
 * @example
 * const [fact] = [decideAbandoned(depositRequest)]; // { type: 'DepositRejected', reason: 'abandoned', … }
 */
export function decideAbandoned(request: CommandRequest): Outcome {
  const reason = 'abandoned' as const;
  const initiator = request.data.principal.subject;
  switch (request.type) {
    case 'AccountOpenRequested':
      return {
        ...base('AccountOpenRejected', request),
        initiator,
        name: request.data.name,
        currency: request.data.currency,
        reason,
      };
    case 'DepositRequested':
      return { ...base('DepositRejected', request), initiator, amount: request.data.amount, reason };
    case 'WithdrawalRequested':
      return { ...base('WithdrawalRejected', request), initiator, amount: request.data.amount, reason };
    case 'TransferRequested': {
      const { amount, toAccountId: counterpartyAccountId } = request.data;
      return { ...base('TransferRejected', request), initiator, amount, counterpartyAccountId, reason };
    }
    default:
      return unreachable(request);
  }
}

/**
 * Decides the outcome of one request against the current state. Pure, and it reads only the account the request
 * is keyed by (never the counterparty, which lives on another partition), so every decision is a function of
 * that account's partition alone and a replay decides the same.
 *
 * Rules, in the order they are checked:
 * - open: not a customer → `forbidden`; id taken → `account_already_exists`; else opened, owned by the
 *   principal.
 * - deposit: missing → `account_not_found`; not the owner's request → `forbidden`; balance would pass
 *   `rules.balanceLimit` (MAX_SAFE_INTEGER by default) → `balance_limit_exceeded`.
 * - withdrawal: missing → `account_not_found`; not the owner's → `forbidden`; amount > balance →
 *   `insufficient_funds`.
 * - transfer (source): to itself → `invalid_transfer`; missing → `account_not_found`; not the source
 *   owner's → `forbidden`; amount > balance → `insufficient_funds`; else debited (amount in flight).
 * - credit (destination): from itself → `invalid_transfer`; missing → `account_not_found`; other currency →
 *   `currency_mismatch`; limit → `balance_limit_exceeded`; else credited.
 * - refund (source): to itself → `invalid_transfer`; missing → `account_not_found`; limit →
 *   `balance_limit_exceeded` (all `TransferRefundRejected`, amount stays in flight); else refunded.
 *
 * @example
 * const [outcome] = decide(depositRequest, state); // { type: 'Deposited', balanceAfter: 1500, … }
 */
export function decide(
  request: BankEvent,
  state: AccountsState,
  rules: DecisionRules = DEFAULT_RULES,
): Outcome[] {
  const account = state.get(request.accountId);
  switch (request.type) {
    case 'AccountOpenRequested':
      return [openAccount(request, account)];
    case 'DepositRequested':
      return [deposit(request, account, rules)];
    case 'WithdrawalRequested':
      return [withdraw(request, account)];
    case 'TransferRequested':
      return [debitTransfer(request, account)];
    case 'TransferCreditRequested':
      return [creditTransfer(request, account, rules)];
    case 'TransferRefundRequested':
      return [refundTransfer(request, account, rules)];
    default:
      return unreachable(request);
  }
}
