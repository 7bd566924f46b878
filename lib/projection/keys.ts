/**
 * Where the projection lives in Redis: the one module that names its keys and the fields the scripts
 * address. Every key of a projection is under `<prefix>:ns:<namespace>:`, so a rebuild can fill a fresh
 * namespace and switch readers to it by changing one pointer key.
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `<prefix>:projection:current` | string | the namespace readers and the projector use (default `main`) |
 * | `<prefix>:fate:<transactionId>` | string | `abandoned` (its command answered 503) or `decided` (see {@link transactionFateKey}) |
 * | `<ns>:acct:<accountId>` | hash | name, currency, balance, version, openedAt, updatedAt |
 * | `<ns>:hist:<accountId>` | sorted set | history entries (JSON), scored by the account's version |
 * | `<ns>:tx:<transactionId>` | hash | type, status, reason, stage, accountId, amount, counterparty, at; and `req:<eventId>` per decided request (the dedupe, see below) |
 * | `<ns>:totals` | hash | deposited, withdrawn, inFlight, balances: the conservation ledger |
 * | `<ns>:outbox:<partition>` | hash | facts and saga requests a partition decided but has not yet published, by position |
 * | `<ns>:checkpoint` | hash | `commands:<partition>` last request offset decided; `facts:<partition>` facts applied |
 *
 * Deduplication lives in the transaction it belongs to: field `req:<eventId>` of `tx:<transactionId>`
 * names the fact types the request was decided as. It is written from the facts alone (so a rebuild
 * writes it too), and it grows with the transactions, never as one global key: a transaction has at
 * most three requests (a transfer's debit, credit and refund).
 *
 * @example
 * ```ts
 * const keys = projectionKeys('banku', 'main');
 * keys.account('6f1c…'); // 'banku:ns:main:acct:6f1c…'
 * ```
 */
export function projectionKeys(prefix: string, namespace: string) {
  const ns = namespaceRoot(prefix, namespace);
  return {
    namespace,
    root: ns,
    account: (accountId: string) => `${ns}:acct:${accountId}`,
    history: (accountId: string) => `${ns}:hist:${accountId}`,
    transaction: (transactionId: string) => `${ns}:tx:${transactionId}`,
    totals: `${ns}:totals`,
    outbox: (partition: number) => `${ns}:outbox:${partition}`,
    checkpoint: `${ns}:checkpoint`,
  };
}

/** The type of {@link projectionKeys}' result. */
export type ProjectionKeys = ReturnType<typeof projectionKeys>;

/**
 * Fields inside the projection's hashes that the scripts address by name.
 *
 * @example
 * ```ts
 * PROJECTION_FIELDS.decided(request.eventId); // 'req:5b1f…'
 * ```
 */
export const PROJECTION_FIELDS = {
  /** In `tx:<transactionId>`: the fact types a request was decided as, comma-separated. */
  decided: (requestEventId: string) => `req:${requestEventId}`,
  /** In `checkpoint`: the offset of the last request a commands partition decided. */
  commandsOffset: (partition: number) => `commands:${partition}`,
  /** In `checkpoint`: how many facts of a partition the namespace holds. */
  factsApplied: (partition: number) => `facts:${partition}`,
} as const;

/** The namespace used until a rebuild switches to another. */
export const DEFAULT_NAMESPACE = 'main';

/**
 * The key naming the namespace in use.
 *
 * @example
 * ```ts
 * await redis.set(currentNamespaceKey('banku'), 'rebuild-20261122');
 * ```
 */
export function currentNamespaceKey(prefix: string): string {
  return `${prefix}:projection:current`;
}

/**
 * What became of a command's transaction, outside every namespace (it belongs to the request, not to a
 * projection of the log): `abandoned` when its command answered 503 and nothing may happen, `decided`
 * once the projector decided its request. Whichever is written first wins; the projector checks and
 * writes it in the same atomic step as the decision.
 *
 * @example
 * ```ts
 * await redis.set(transactionFateKey('banku', transactionId), TRANSACTION_FATE.abandoned, { nx: true });
 * ```
 */
export function transactionFateKey(prefix: string, transactionId: string): string {
  return `${prefix}:fate:${transactionId}`;
}

/** The values of {@link transactionFateKey}. */
export const TRANSACTION_FATE = { abandoned: 'abandoned', decided: 'decided' } as const;

/** How long a transaction's fate is kept: as long as its pending marker and Idempotency-Key. */
export const TRANSACTION_FATE_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The common start of every key of one namespace.
 *
 * @example
 * ```ts
 * namespaceRoot('banku', 'main'); // 'banku:ns:main'
 * ```
 */
export function namespaceRoot(prefix: string, namespace: string): string {
  return `${prefix}:ns:${namespace}`;
}
