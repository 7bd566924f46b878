/**
 * Where the projection lives in Redis. Every key is under `<prefix>:ns:<namespace>:`, so a rebuild can
 * fill a fresh namespace and switch readers to it by changing one pointer key.
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `<prefix>:projection:current` | string | the namespace readers and the projector use (default `main`) |
 * | `<ns>:acct:<accountId>` | hash | name, currency, balance, version, openedAt, updatedAt |
 * | `<ns>:hist:<accountId>` | sorted set | history entries (JSON), scored by the account's version |
 * | `<ns>:tx:<transactionId>` | hash | type, status, reason, stage, accountId, amount, counterparty, at |
 * | `<ns>:seen` | set | ids of the events already applied (the exactly-once dedupe) |
 * | `<ns>:totals` | hash | deposited, withdrawn, inFlight, balances: the conservation ledger |
 * | `<ns>:outbox:<topic>-<partition>` | hash | saga events a partition decided but has not yet published, by event id |
 * | `<ns>:dead-letters` | hash | undecodable records, by `topic:partition:offset` |
 * | `<ns>:checkpoint` | hash | last applied offset, by `topic:partition` |
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
    seen: `${ns}:seen`,
    totals: `${ns}:totals`,
    outbox: (topicPartition: string) => `${ns}:outbox:${topicPartition}`,
    deadLetters: `${ns}:dead-letters`,
    checkpoint: `${ns}:checkpoint`,
  };
}

/** The type of {@link projectionKeys}' result. */
export type ProjectionKeys = ReturnType<typeof projectionKeys>;

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
