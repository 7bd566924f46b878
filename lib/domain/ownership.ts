import type { Account, Outcome, Principal } from './types.js';

/**
 * Who may do what, decided in one place: the projector decides by these rules (`forbidden`), and the
 * HTTP side refuses early by the same ones when the projection already shows the account.
 *
 * - Only a customer opens accounts, and owns those it opens.
 * - Only the owner moves money on an account: deposits, withdrawals, and transfers from it. A transfer
 *   needs ownership of its source only; anyone's account may receive one.
 * - An operator reads every account and moves no money: an operator's token is a support tool shared by
 *   people and services, and moving a customer's money needs that customer's own token.
 */

/**
 * Whether `principal` may open an account.
 *
 * @example
 * mayOpenAccount({ kind: 'operator', subject: 'olga' }); // false
 */
export function mayOpenAccount(principal: Principal): boolean {
  return principal.kind === 'customer';
}

/**
 * Whether `principal` may move money on `account` (deposit, withdraw, transfer from it).
 *
 * @example
 * mayActOn({ kind: 'customer', subject: 'alice' }, { owner: 'alice' }); // true
 */
export function mayActOn(principal: Principal, account: Pick<Account, 'owner'>): boolean {
  return principal.kind === 'customer' && account.owner === principal.subject;
}

/**
 * Whether `principal` may read `account`: its owner, or an operator. To anyone else it does not exist.
 *
 * @example
 * maySee({ kind: 'operator', subject: 'olga' }, { owner: 'alice' }); // true
 */
export function maySee(principal: Principal, account: Pick<Account, 'owner'>): boolean {
  return principal.kind === 'operator' || account.owner === principal.subject;
}

/**
 * Whether a fact is a refusal on ownership grounds. Such a refusal leaves no trace on the account it
 * names (no history entry, no version): only the transaction records it, for its initiator.
 *
 * @example
 * if (isForbidden(fact)) return undefined;
 */
export function isForbidden(outcome: Outcome): boolean {
  return 'reason' in outcome && outcome.reason === 'forbidden';
}

/**
 * Whether `principal` may read a transaction: an operator, the principal who asked for it, or the owner
 * of an account it touched (a transfer's source or destination). To anyone else it does not exist.
 *
 * @example
 * maySeeTransaction({ kind: 'customer', subject: 'bob' }, { initiator: 'alice', touchedAccountOwners: ['bob'] }); // true
 */
export function maySeeTransaction(
  principal: Principal,
  transaction: { initiator: string | undefined; touchedAccountOwners: readonly string[] },
): boolean {
  if (principal.kind === 'operator' || transaction.initiator === principal.subject) return true;
  return principal.kind === 'customer' && transaction.touchedAccountOwners.includes(principal.subject);
}
