import type { BatchState, BatchWrite, StoredAccount } from '../projection/types.js';

/** Accounts a container keeps between invocations; past this, it starts over (a read per batch refills it). */
const MAX_CACHED_ACCOUNTS = 200_000;

/**
 * What this container last wrote or read of the accounts it projects, so that a batch can usually be
 * decided without reading Redis first (one round trip per batch instead of two), or after reading only
 * the accounts it has not seen (Upstash bills one command per account read).
 *
 * It is only ever a guess. The apply script checks the partition's fact count and every request's dedupe
 * marker against Redis, and refuses the write when the guess was wrong (another container wrote the
 * partition, a redelivered batch, a rebuild switched namespaces); the projector then forgets the guess,
 * reads, and decides again. Each account is written by the one partition it is keyed to, so after a
 * container's own write its guess stays right until another write reaches that partition, and that write
 * changes the partition's fact count.
 *
 * @example
 * ```ts
 * const state = cache.lookup(batch.partition, accountIds) ?? (await store.readBatchState(…));
 * ```
 */
export class AccountCache {
  #namespace: string | undefined;
  readonly #accounts = new Map<string, StoredAccount | null>();
  /** By partition, how many facts it held after this container's last read or write of it. */
  readonly #partitionFacts = new Map<number, number>();

  /** The namespace this container last read or wrote, if any: where its next read starts looking. */
  get namespace(): string | undefined {
    return this.#namespace;
  }

  /**
   * What this container knows of a partition's batch: the state of the accounts it knows (those known
   * to be absent left out), and the ids it does not know, which a read must add. Undefined when it
   * knows nothing of the partition.
   */
  lookup(
    partition: number,
    accountIds: readonly string[],
  ): { state: BatchState; missing: string[] } | undefined {
    const partitionFacts = this.#partitionFacts.get(partition);
    if (this.#namespace === undefined || partitionFacts === undefined) return undefined;
    const accounts = new Map<string, StoredAccount>();
    const missing: string[] = [];
    for (const id of accountIds) {
      const known = this.#accounts.get(id);
      if (known === undefined) missing.push(id);
      else if (known !== null) accounts.set(id, known);
    }
    return { state: { namespace: this.#namespace, accounts, decided: new Map(), partitionFacts }, missing };
  }

  /** Remembers what a read of a partition's batch returned: the accounts found, those absent, the fact count. */
  rememberRead(state: BatchState, partition: number, accountIds: readonly string[]): void {
    if (state.namespace !== this.#namespace) this.clear(state.namespace);
    this.#makeRoom(accountIds.length);
    for (const id of accountIds) this.#accounts.set(id, state.accounts.get(id) ?? null);
    this.#partitionFacts.set(partition, state.partitionFacts);
  }

  /** Remembers what a successful write of a partition's batch left behind. */
  rememberWrite(
    write: Pick<BatchWrite, 'namespace' | 'partition' | 'accounts' | 'expectedFacts' | 'factsApplied'>,
  ): void {
    if (write.namespace !== this.#namespace) return;
    for (const account of write.accounts) this.#accounts.set(account.accountId, account);
    this.#partitionFacts.set(write.partition, write.expectedFacts + write.factsApplied);
  }

  /** Forgets everything, e.g. after a refused write. */
  clear(namespace?: string): void {
    this.#accounts.clear();
    this.#partitionFacts.clear();
    this.#namespace = namespace;
  }

  #makeRoom(incoming: number): void {
    if (this.#accounts.size + incoming > MAX_CACHED_ACCOUNTS) this.#accounts.clear();
  }
}
