import type { Account, AccountsState } from './types.js';

/**
 * The state before any event: no accounts.
 *
 * @example
 * const { state } = evolveBatch(facts, initialState());
 */
export function initialState(): AccountsState {
  return new Map();
}

/**
 * Builds the decider state from accounts loaded from the projection.
 *
 * @example
 * const state = accountsState(await loadAccounts(batch.map((event) => event.accountId)));
 */
export function accountsState(accounts: Iterable<Account>): AccountsState {
  return new Map([...accounts].map((account) => [account.accountId, account] as const));
}
