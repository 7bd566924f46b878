/**
 * Where the projection lives in Redis: the one module that names its keys and the fields the scripts
 * address. Every key of a projection is under `<prefix>:ns:<namespace>:`, so a rebuild can fill a fresh
 * namespace and switch readers to it by changing one pointer key.
 *
 * | key | type | holds | grows |
 * | --- | --- | --- | --- |
 * | `<prefix>:projection:current` | string | the namespace readers and the projector use (default `main`) | fixed |
 * | `<prefix>:fate:<transactionId>` | string | what the command side knows of a transaction: its pending record (JSON) once admitted, prefixed with `abandoned:` when its command answered 503, so it must never take effect (see {@link transactionFateKey}) | fixed; expires after 7 days |
 * | `<ns>:acct:<accountId>` | string | the account as JSON: owner, name, currency, balance, version, openedAt, updatedAt (`encodeAccount`); a string, so that one MSET writes every account of a batch | fixed |
 * | `<ns>:hist:<accountId>`, then `…:<n>` | sorted set | history entries (JSON), scored by the account's version: versions below 10,000 in the first key, the next 10,000 in `:1`, and so on | at most {@link HISTORY_ENTRIES_PER_KEY} members per key; one key more per 10,000 facts on the account |
 * | `<ns>:tx:<transactionId>` | hash | type, status, reason, stage, accountId, amount, counterparty, initiator, at | fixed (the latest stage's; the initiator whatever the stage) |
 * | `<ns>:req:<eventId>` | string | the fact types a request was decided as: the dedupe | fixed; one key per request |
 * | `<ns>:totals` | hash | deposited, withdrawn, inFlight, balances: the conservation ledger | fixed |
 * | `<ns>:outbox:<partition>` | hash | facts, saga requests and dead letters a partition decided but has not yet published, by position | emptied by the partition's next write |
 * | `<ns>:checkpoint` | hash | `commands:<partition>` last request offset decided; `facts:<partition>` facts applied; `layout` ({@link PROJECTION_LAYOUT}) | one field pair per partition |
 *
 * No key grows without bound: every key is fixed in size, expires, or is one of an account's history
 * keys, which hold at most 10,000 entries each (about 3 MB). The number of keys grows with the log, as
 * the log does (README, "Storage"). The dedupe is one small key per request (`req:<eventId>`), not one
 * set of every id, so that one batch checks all its requests with one `EXISTS` and records them with
 * one `MSET`. It is kept for the life of the namespace, not for a window: a duplicate may come at any
 * time (an outbox republished after a crash, or a retry with an Idempotency-Key after its claim
 * expired, whose event id is derived from the key and so the same). A rebuild writes every key again
 * from the facts.
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
    /** One of an account's history keys: `bucket` 0 holds versions below {@link HISTORY_ENTRIES_PER_KEY}. */
    history: (accountId: string, bucket: number) =>
      bucket === 0 ? `${ns}:hist:${accountId}` : `${ns}:hist:${accountId}:${bucket}`,
    transaction: (transactionId: string) => `${ns}:tx:${transactionId}`,
    request: (requestEventId: string) => `${ns}:req:${requestEventId}`,
    totals: `${ns}:totals`,
    outbox: (partition: number) => `${ns}:outbox:${partition}`,
    checkpoint: `${ns}:checkpoint`,
  };
}

/**
 * How many versions of an account one history key covers: an account's history is split into keys of
 * at most this many entries (about 3 MB), so that no key grows without bound however busy the account
 * (Upstash refuses a record over 100 MB). Changing it needs a rebuild.
 */
export const HISTORY_ENTRIES_PER_KEY = 10_000;

/**
 * Which of an account's history keys holds the entry of `version`.
 *
 * @example
 * ```ts
 * keys.history(accountId, historyBucket(entry.seq));
 * ```
 */
export function historyBucket(version: number): number {
  return Math.floor(version / HISTORY_ENTRIES_PER_KEY);
}

/** The type of {@link projectionKeys}' result. */
export type ProjectionKeys = ReturnType<typeof projectionKeys>;

/**
 * Fields inside the projection's hashes that the scripts address by name.
 *
 * @example
 * ```ts
 * PROJECTION_FIELDS.factsApplied(2); // 'facts:2'
 * ```
 */
export const PROJECTION_FIELDS = {
  /** In `checkpoint`: the offset of the last request a commands partition decided. */
  commandsOffset: (partition: number) => `commands:${partition}`,
  /** In `checkpoint`: how many facts of a partition the namespace holds. */
  factsApplied: (partition: number) => `facts:${partition}`,
  /** In `checkpoint`: the {@link PROJECTION_LAYOUT} of the release that wrote the namespace. */
  layout: 'layout',
} as const;

/**
 * What the projection's keys hold, as a number every write stamps on the namespace's checkpoint. A
 * release that changes what a key holds raises it. The scripts refuse a namespace stamped otherwise, or
 * not at all (written before stamps), instead of misreading it: a rebuild writes a namespace in this
 * layout (README, "Upgrading across a layout change").
 * - 2 (issue 14): accounts as JSON strings, one dedupe key per request, history split into keys.
 */
export const PROJECTION_LAYOUT = '2';

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
 * What the command side knows of a transaction, outside every namespace (it belongs to the request, not
 * to a projection of the log). Admitting a command writes its pending record here (what
 * `GET /transactions/{id}` answers until the projector decides); a command that answers 503 prefixes it
 * with {@link TRANSACTION_FATE}`.abandonedPrefix`, so that it never takes effect. One key for both, so
 * that a retry with the same Idempotency-Key lifts an abandonment and leaves its pending record in one
 * command. The command abandons only if the projector has not decided the transaction yet, and the
 * projector checks the prefix in the same atomic step as its decision, so whichever comes first wins.
 * The projector writes nothing here: a decided transaction is known by its `tx:` hash.
 *
 * @example
 * ```ts
 * await redis.get(transactionFateKey('banku', transactionId)); // '{"transactionId":…}' or 'abandoned{…}'
 * ```
 */
export function transactionFateKey(prefix: string, transactionId: string): string {
  return `${prefix}:fate:${transactionId}`;
}

/**
 * The value of {@link transactionFateKey} of an abandoned transaction starts with `abandonedPrefix`
 * (then its pending record, if any). A mark written by a release before pending records moved here is
 * the prefix alone, so it still reads as abandoned.
 */
export const TRANSACTION_FATE = { abandonedPrefix: 'abandoned' } as const;

/**
 * How long a transaction's fate is kept: as long as its Idempotency-Key, far beyond the time its record
 * (if it reached the log) takes to reach the projector.
 */
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
