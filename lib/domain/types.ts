import type { z } from 'zod';
import type { Principal as PrincipalSchema } from '../events/primitives.js';
import type { ReasonCode } from '../events/types.js';

/**
 * Who asked for a request: a customer or an operator, by the subject (`sub`) of their verified bearer
 * token; the shape the requests carry on the log (`lib/events/primitives.ts`).
 * - A **customer** opens accounts, which it then owns, acts on its own accounts and reads what
 *   concerns them.
 * - An **operator** (a token with the operator group or scope named in config) reads every account and
 *   moves no money.
 *
 * @example
 * const principal: Principal = { kind: 'customer', subject: 'alice' };
 */
export type Principal = z.output<typeof PrincipalSchema>;

/**
 * One account as the projection knows it. `version` counts the outcomes recorded on the account (opening,
 * every applied and every rejected request that concerned it); `updatedAt` is the `at` of the latest one.
 *
 * @example
 * const account: Account = { accountId, owner: 'alice', name: 'Ada', currency: 'EUR', balance: 0, version: 1, openedAt: at, updatedAt: at };
 */
export interface Account {
  readonly accountId: string;
  /** Subject of the customer who opened it: the only principal that may act on it. */
  readonly owner: string;
  readonly name: string;
  readonly currency: string;
  /** Minor units; 0 ≤ balance ≤ Number.MAX_SAFE_INTEGER. */
  readonly balance: number;
  readonly version: number;
  readonly openedAt: string;
  readonly updatedAt: string;
}

/**
 * Decider state: the accounts a batch touches, by account id. The projector loads the accounts keyed by the
 * batch's events; an absent id means "no such account".
 *
 * @example
 * const state: AccountsState = accountsState([account]);
 */
export type AccountsState = ReadonlyMap<string, Account>;

/**
 * Fields every outcome carries. `at` is the request's `occurredAt` (never the wall clock) so that replaying the
 * log reproduces every outcome exactly.
 *
 * @example
 * const { transactionId, accountId, requestEventId, at }: OutcomeBase<'Deposited'> = outcome;
 */
export interface OutcomeBase<T extends string> {
  readonly type: T;
  /** Id of the request event this outcome decides. */
  readonly requestEventId: string;
  readonly transactionId: string;
  /** The account the request was keyed by (the Kafka key). */
  readonly accountId: string;
  readonly correlationId: string;
  readonly at: string;
}

/**
 * A new account was recorded with balance 0.
 *
 * @example
 * { type: 'AccountOpened', accountId, transactionId, requestEventId, correlationId, at, name: 'Ada', currency: 'EUR' }
 */
export interface AccountOpened extends OutcomeBase<'AccountOpened'> {
  /** The subject of the customer who asked: the account's owner. */
  readonly owner: string;
  readonly name: string;
  readonly currency: string;
}

/**
 * Opening refused because the account id is taken, or `forbidden`: the principal may not open accounts
 * (an operator).
 *
 * @example
 * outcome.reason === 'account_already_exists';
 */
export interface AccountOpenRejected extends OutcomeBase<'AccountOpenRejected'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly name: string;
  readonly currency: string;
  readonly reason: 'account_already_exists' | 'forbidden' | 'abandoned';
}

/**
 * A deposit was applied.
 *
 * @example
 * outcome.balanceAfter === previous.balance + outcome.amount;
 */
export interface Deposited extends OutcomeBase<'Deposited'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number;
}

/**
 * A deposit was refused.
 *
 * @example
 * outcome.reason === 'balance_limit_exceeded';
 */
export interface DepositRejected extends OutcomeBase<'DepositRejected'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly amount: number;
  readonly reason: 'account_not_found' | 'forbidden' | 'balance_limit_exceeded' | 'abandoned';
}

/**
 * A withdrawal was applied.
 *
 * @example
 * outcome.balanceAfter === previous.balance - outcome.amount;
 */
export interface Withdrawn extends OutcomeBase<'Withdrawn'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number;
}

/**
 * A withdrawal was refused.
 *
 * @example
 * outcome.reason === 'insufficient_funds';
 */
export interface WithdrawalRejected extends OutcomeBase<'WithdrawalRejected'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly amount: number;
  readonly reason: 'account_not_found' | 'forbidden' | 'insufficient_funds' | 'abandoned';
}

/**
 * The source of a transfer was debited; the amount is now in flight until credited or refunded.
 *
 * @example
 * followUps(outcome); // [TransferCreditRequested keyed by outcome.counterpartyAccountId]
 */
export interface TransferDebited extends OutcomeBase<'TransferDebited'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly amount: number;
  /** The source account's currency; the credit must land in the same one. */
  readonly currency: string;
  readonly balanceAfter: number;
  /** The destination account. */
  readonly counterpartyAccountId: string;
}

/**
 * A transfer was refused at the source; nothing moved.
 *
 * @example
 * outcome.reason === 'insufficient_funds';
 */
export interface TransferRejected extends OutcomeBase<'TransferRejected'> {
  /** The subject of the principal who asked. */
  readonly initiator: string;
  readonly amount: number;
  /** The destination account. */
  readonly counterpartyAccountId: string;
  readonly reason:
    'account_not_found' | 'forbidden' | 'insufficient_funds' | 'invalid_transfer' | 'abandoned';
}

/**
 * The destination of a transfer was credited; the transfer is complete.
 *
 * @example
 * outcome.balanceAfter === previous.balance + outcome.amount;
 */
export interface TransferCredited extends OutcomeBase<'TransferCredited'> {
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number;
  /** The source account. */
  readonly counterpartyAccountId: string;
  /** Id of the `TransferRequested` event that started the saga. */
  readonly transferEventId: string;
}

/**
 * The destination refused the credit; a refund to the source follows (except for `invalid_transfer`, which no
 * real debit can lead to).
 *
 * @example
 * followUps(outcome); // [TransferRefundRequested keyed by outcome.counterpartyAccountId]
 */
export interface TransferCreditRejected extends OutcomeBase<'TransferCreditRejected'> {
  readonly amount: number;
  /** The transfer's (source's) currency. */
  readonly currency: string;
  /** The source account. */
  readonly counterpartyAccountId: string;
  /** Id of the `TransferRequested` event that started the saga. */
  readonly transferEventId: string;
  readonly reason: 'account_not_found' | 'currency_mismatch' | 'balance_limit_exceeded' | 'invalid_transfer';
}

/**
 * The in-flight amount of a failed transfer went back to the source.
 *
 * @example
 * outcome.reason; // why the destination refused the credit
 */
export interface TransferRefunded extends OutcomeBase<'TransferRefunded'> {
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number;
  /** The destination account that refused the credit. */
  readonly counterpartyAccountId: string;
  /** Why the destination refused the credit. */
  readonly reason: ReasonCode;
}

/**
 * A refund could not be applied. No correct log produces this (the refunded source was debited, and accounts are
 * never closed); it exists so that a corrupt or hand-written log cannot create or destroy money: the amount stays
 * in flight, visible in the ledger totals, for an operator to resolve.
 *
 * @example
 * if (outcome.type === 'TransferRefundRejected') alertOperators(outcome);
 */
export interface TransferRefundRejected extends OutcomeBase<'TransferRefundRejected'> {
  readonly amount: number;
  /** The destination account that refused the credit. */
  readonly counterpartyAccountId: string;
  /** Why the refund itself failed. */
  readonly reason: 'account_not_found' | 'balance_limit_exceeded' | 'invalid_transfer';
  /** Why the destination refused the credit in the first place. */
  readonly creditRejectionReason: ReasonCode;
}

/**
 * Anything the decider can decide.
 *
 * @example
 * function log(outcome: Outcome) { logger.info(outcome.type, { transactionId: outcome.transactionId }); }
 */
export type Outcome =
  | AccountOpened
  | AccountOpenRejected
  | Deposited
  | DepositRejected
  | Withdrawn
  | WithdrawalRejected
  | TransferDebited
  | TransferRejected
  | TransferCredited
  | TransferCreditRejected
  | TransferRefunded
  | TransferRefundRejected;

/**
 * Name of an outcome type.
 *
 * @example
 * const type: OutcomeType = 'Deposited';
 */
export type OutcomeType = Outcome['type'];

/**
 * Emmett's decider shape: pure `decide`, pure `evolve`, and the state before any event.
 *
 * @example
 * const decider: Decider<AccountsState, BankEvent, Outcome> = accountDecider;
 */
export interface Decider<State, Command, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/**
 * Where a transaction is: `pending` until its last step is decided, then `applied` or `rejected`.
 *
 * @example
 * const status: TransactionState = 'pending';
 */
export type TransactionState = 'pending' | 'applied' | 'rejected';

/**
 * What happened to the refund of a transfer whose credit was refused.
 *
 * @example
 * status.refund === 'pending'; // credit refused, money not yet back at the source
 */
export type RefundState = 'none' | 'pending' | 'applied' | 'failed';

/**
 * The status of a transaction after one outcome. A status with a higher `stage` always wins over a lower one,
 * so projection writes from partitions replayed in any interleaving converge.
 *
 * @example
 * const status: TransactionStatus = transactionStatus(outcome);
 */
export interface TransactionStatus {
  readonly transactionId: string;
  readonly kind: 'account_open' | 'deposit' | 'withdrawal' | 'transfer';
  readonly status: TransactionState;
  readonly stage: number;
  readonly reason: ReasonCode | null;
  readonly refund: RefundState;
  /** `at` of the outcome that produced this status. */
  readonly updatedAt: string;
}

/**
 * Increments to the conservation totals. Invariant kept by every outcome:
 * Σ balances + inFlight = deposited − withdrawn.
 *
 * @example
 * const delta: LedgerDelta = { deposited: 500, withdrawn: 0, inFlight: 0 };
 */
export interface LedgerDelta {
  readonly deposited: number;
  readonly withdrawn: number;
  readonly inFlight: number;
}
