import type { BatchState, StoredAccount } from '../projection/types.js';

/** Accounts a container keeps between invocations; past this, it starts over (a read per batch refills it). */
const MAX_CACHED_ACCOUNTS = 200_000;

/**
 * What this container last wrote or read of the accounts it projects, so that a batch can usually be
 * decided without reading Redis first: one round trip per batch instead of two.
 *
 * It is only ever a guess. The apply script checks every account's version and every request's dedupe marker against
 * Redis, and refuses the write when the guess was wrong (another container took the partition over, a
 * redelivered batch, a rebuild switched namespaces); the projector then forgets the guess, reads, and
 * decides again. Each account is written by the one partition it is keyed to, so after a container's own
 * write its guess stays right until another container writes that partition.
 *
 * @example
 * ```ts
 * const state = cache.lookup(accountIds) ?? (await store.readBatchState(…));
 * ```
 */
export class AccountCache {
  #namespace: string | undefined;
  readonly #accounts = new Map<string, StoredAccount | null>();

  /** The namespace this container last read or wrote, if any: where its next read starts looking. */
  get namespace(): string | undefined {
    return this.#namespace;
  }

  /** The state of these accounts if every one is known (present or known to be absent), else undefined. */
  lookup(accountIds: readonly string[]): BatchState | undefined {
    if (this.#namespace === undefined) return undefined;
    const accounts = new Map<string, StoredAccount>();
    for (const id of accountIds) {
      const known = this.#accounts.get(id);
      if (known === undefined) return undefined;
      if (known !== null) accounts.set(id, known);
    }
    return { namespace: this.#namespace, accounts, decided: new Map() };
  }

  /** Remembers what a read returned: the accounts found, and those asked for but absent. */
  rememberRead(state: BatchState, accountIds: readonly string[]): void {
    if (state.namespace !== this.#namespace) this.clear(state.namespace);
    this.#makeRoom(accountIds.length);
    for (const id of accountIds) this.#accounts.set(id, state.accounts.get(id) ?? null);
  }

  /** Remembers the accounts a successful write left behind. */
  rememberWrite(namespace: string, accounts: readonly StoredAccount[]): void {
    if (namespace !== this.#namespace) return;
    for (const account of accounts) this.#accounts.set(account.accountId, account);
  }

  /** Forgets everything, e.g. after a refused write. */
  clear(namespace?: string): void {
    this.#accounts.clear();
    this.#namespace = namespace;
  }

  #makeRoom(incoming: number): void {
    if (this.#accounts.size + incoming > MAX_CACHED_ACCOUNTS) this.#accounts.clear();
  }
}
