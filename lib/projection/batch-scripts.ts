import { wellFormedJson } from '../redis/lua-json.js';
import { ScriptArgs } from '../redis/script-args.js';
import { UnexpectedReplyError } from './errors.js';
import {
  currentNamespaceKey,
  DEFAULT_NAMESPACE,
  historyBucket,
  PROJECTION_FIELDS,
  PROJECTION_LAYOUT,
  projectionKeys,
  TRANSACTION_FATE,
  transactionFateKey,
} from './keys.js';
import type { BatchState, BatchWrite, StoredAccount, StoredTransaction } from './types.js';

/** What {@link readBatchArgs} asks for. */
export interface BatchStateRequest {
  namespace: string;
  followPointer: boolean;
  /** The partition whose batch it is: its fact count is what the write will check. */
  partition: number;
  accounts: readonly string[];
  /** Event ids of the batch's requests: which were decided already. */
  requests: readonly string[];
}

/**
 * The `read-batch-state.lua` call for a batch: its keys and arguments.
 *
 * @example
 * ```ts
 * const { keys, argv } = readBatchArgs('banku', { namespace: 'main', followPointer: true, partition: 0, accounts, requests });
 * ```
 */
export function readBatchArgs(
  prefix: string,
  request: BatchStateRequest,
): { keys: string[]; argv: string[] } {
  const names = projectionKeys(prefix, request.namespace);
  const args = new ScriptArgs();
  const plan = {
    namespace: request.namespace,
    defaultNamespace: DEFAULT_NAMESPACE,
    followPointer: request.followPointer,
    pointer: args.key(currentNamespaceKey(prefix)),
    checkpoint: args.key(names.checkpoint),
    factsField: PROJECTION_FIELDS.factsApplied(request.partition),
    layoutField: PROJECTION_FIELDS.layout,
    layout: PROJECTION_LAYOUT,
    // The accounts, then the requests' dedupe markers: all strings, so one MGET reads them all.
    strings: [
      ...request.accounts.map((id) => args.key(names.account(id))),
      ...request.requests.map((id) => args.key(names.request(id))),
    ],
  };
  return { keys: args.keys, argv: args.argv(plan) };
}

/**
 * The read script's answer as a {@link BatchState}, or the namespace the pointer moved to.
 *
 * @example
 * ```ts
 * const state = parseReadReply(request, await script.exec(keys, argv));
 * ```
 */
export function parseReadReply(
  request: BatchStateRequest,
  reply: unknown,
): BatchState | { moved: string } | { layout: string | null } {
  const parsed = parseJsonReply('read', reply) as
    | { status: 'ok'; facts: string; values: unknown[] | object }
    | { status: 'moved'; namespace: string }
    | { status: 'layout'; found: string | null };
  if (parsed.status === 'moved') return { moved: parsed.namespace };
  if (parsed.status === 'layout') return { layout: parsed.found };
  // cjson encodes an empty list as an object.
  const values = Array.isArray(parsed.values) ? parsed.values : [];
  const accounts = new Map<string, StoredAccount>();
  request.accounts.forEach((id, i) => {
    const record = values[i];
    if (typeof record === 'string') accounts.set(id, decodeAccount(id, record));
  });
  const decided = new Map<string, string[]>();
  request.requests.forEach((id, i) => {
    const marker = values[request.accounts.length + i];
    if (typeof marker === 'string' && marker !== '') decided.set(id, marker.split(','));
  });
  return { namespace: request.namespace, accounts, decided, partitionFacts: Number(parsed.facts) };
}

/**
 * The `apply-batch.lua` call that writes a batch: its keys and arguments. As few commands as the keys
 * allow (Upstash bills each): one HSET per transaction, one ZADD per account's history key, one MSET
 * for every account and every request's dedupe marker after one EXISTS for the markers, and a few per
 * batch for the partition's checkpoint, the totals and the outbox.
 *
 * @example
 * ```ts
 * const { keys, argv } = applyBatchArgs('banku', write, { returnOutbox: true });
 * ```
 */
export function applyBatchArgs(
  prefix: string,
  write: BatchWrite,
  options: { returnOutbox: boolean },
): { keys: string[]; argv: string[] } {
  const names = projectionKeys(prefix, write.namespace);
  const args = new ScriptArgs();
  const pointer = args.key(currentNamespaceKey(prefix));
  const checkpoint = {
    key: args.key(names.checkpoint),
    factsField: PROJECTION_FIELDS.factsApplied(write.partition),
    expectedFacts: String(write.expectedFacts),
    ...(write.commandsOffset === undefined
      ? {}
      : {
          offsetField: PROJECTION_FIELDS.commandsOffset(write.partition),
          offset: write.commandsOffset,
          ...(write.commandsFollows === undefined ? {} : { follows: write.commandsFollows }),
        }),
  };

  const undecided: number[] = [];
  const redecided: { key: number; expected: string }[] = [];
  // The dedupe markers and the accounts are strings: one MSET writes them all.
  const stringKeys: number[] = [];
  const stringValues: string[] = [];
  for (const decision of write.decisions) {
    const key = args.key(names.request(decision.requestEventId));
    if (decision.before.length === 0) undecided.push(key);
    else redecided.push({ key, expected: decision.before.join(',') });
    stringKeys.push(key);
    stringValues.push(decision.after.join(','));
  }
  for (const account of write.accounts) {
    stringKeys.push(args.key(names.account(account.accountId)));
    stringValues.push(encodeAccount(account));
  }
  const strings = { keys: stringKeys, ...args.values(stringValues) };
  const transactions: { key: number; from: number; to: number }[] = [];
  const staged: {
    key: number;
    stage: string;
    from: number;
    to: number;
    keep?: { from: number; to: number };
  }[] = [];
  for (const tx of latestPerTransaction(write.transactions)) {
    const key = args.key(names.transaction(tx.transactionId));
    const fields = args.values(transactionFields(tx));
    if (write.transactionsInOrder) transactions.push({ key, ...fields });
    else {
      // The initiator is one value per transaction: kept even when a later stage is there already.
      const keep = tx.initiator === undefined ? {} : { keep: args.values(['initiator', tx.initiator]) };
      staged.push({ key, stage: String(tx.stage), ...fields, ...keep });
    }
  }

  const sortedSets: { key: number; from: number; to: number }[] = [];
  const entries = new Map<string, string[]>();
  for (const { accountId, entry } of write.history) {
    const key = names.history(accountId, historyBucket(entry.seq));
    let members = entries.get(key);
    if (!members) entries.set(key, (members = []));
    members.push(String(entry.seq), JSON.stringify(entry));
  }
  for (const [key, members] of entries) {
    sortedSets.push({ key: args.key(key), ...args.values(members) });
  }

  const fates = {
    keys: [] as number[],
    ids: [] as string[],
    abandoned: [] as boolean[],
    abandonedPrefix: TRANSACTION_FATE.abandonedPrefix,
  };
  for (const { transactionId, abandoned } of write.fates ?? []) {
    fates.keys.push(args.key(transactionFateKey(prefix, transactionId)));
    fates.ids.push(transactionId);
    fates.abandoned.push(abandoned);
  }

  const outboxAdd: string[] = [];
  for (const message of write.outbox) outboxAdd.push(message.position, JSON.stringify(message));
  const plan = {
    namespace: write.namespace,
    defaultNamespace: DEFAULT_NAMESPACE,
    followPointer: write.followPointer,
    pointer,
    layoutField: PROJECTION_FIELDS.layout,
    layout: PROJECTION_LAYOUT,
    checkpoint,
    added: String(write.factsApplied),
    undecided,
    redecided,
    fates,
    strings,
    transactions,
    staged,
    sortedSets,
    totals: {
      key: args.key(names.totals),
      deltas: {
        deposited: String(write.totals.deposited),
        withdrawn: String(write.totals.withdrawn),
        inFlight: String(write.totals.inFlight),
        balances: String(write.totals.balances),
      },
    },
    outbox: {
      key: args.key(names.outbox(write.partition)),
      acknowledged: args.values(write.acknowledgedOutbox ?? []),
      add: args.values(outboxAdd),
      returnPending: options.returnOutbox,
    },
  };
  return { keys: args.keys, argv: args.argv(plan) };
}

/**
 * The apply script's answer: written, with the positions of the partition's outbox still to publish
 * (when asked for); or refused, and why: a conflict, commands abandoned since the decision (their
 * transaction ids), lost state (what the partition's commands checkpoint holds, null when missing), or
 * a namespace in another layout (its stamp, null when it has none).
 *
 * @example
 * ```ts
 * const outcome = parseApplyReply(await script.exec(keys, argv));
 * ```
 */
export function parseApplyReply(
  reply: unknown,
):
  | { pending: string[] }
  | { conflict: string }
  | { abandoned: string[] }
  | { lost: string | null }
  | { layout: string | null } {
  const parsed = parseJsonReply('apply', reply) as
    | { status: 'ok'; pending: string[] | object }
    | { status: 'conflict'; reason: string }
    | { status: 'abandoned'; transactions: string[] }
    | { status: 'lost'; checkpoint: string | null }
    | { status: 'layout'; found: string | null };
  if (parsed.status === 'layout') return { layout: parsed.found };
  if (parsed.status === 'conflict') return { conflict: parsed.reason };
  if (parsed.status === 'abandoned') return { abandoned: parsed.transactions };
  if (parsed.status === 'lost') return { lost: parsed.checkpoint };
  return { pending: (Array.isArray(parsed.pending) ? (parsed.pending as string[]) : []).sort() };
}

/**
 * An account as its key holds it: one JSON object, so that one MSET writes every account of a batch.
 * The id is the key's, not the value's.
 *
 * @example
 * ```ts
 * await redis.set(keys.account(account.accountId), encodeAccount(account));
 * ```
 */
export function encodeAccount(account: StoredAccount): string {
  const { owner, name, currency, balance, version, openedAt, updatedAt } = account;
  return wellFormedJson({ owner, name, currency, balance, version, openedAt, updatedAt });
}

/**
 * An account key's value, as {@link encodeAccount} wrote it.
 *
 * @example
 * ```ts
 * const account = decodeAccount(accountId, await redis.get<string>(keys.account(accountId)));
 * ```
 */
export function decodeAccount(accountId: string, value: string): StoredAccount {
  return toAccount(accountId, JSON.parse(value) as Record<string, unknown>);
}

/**
 * An account's fields as plain values, an account from before owners upcast to one no customer owns.
 *
 * @example
 * ```ts
 * const account = toAccount(accountId, await redis.hgetall(key));
 * ```
 */
export function toAccount(accountId: string, fields: Record<string, unknown>): StoredAccount {
  return {
    accountId,
    // An account recorded before owners existed has none: no customer owns it.
    owner: fields.owner === undefined || fields.owner === null ? '' : String(fields.owner),
    name: String(fields.name),
    currency: String(fields.currency),
    balance: Number(fields.balance),
    version: Number(fields.version),
    openedAt: String(fields.openedAt),
    updatedAt: String(fields.updatedAt),
  };
}

/**
 * A transaction hash's fields as the projection stores them.
 *
 * @example
 * ```ts
 * const transaction = toTransaction(transactionId, await redis.hgetall(key));
 * ```
 */
export function toTransaction(transactionId: string, fields: Record<string, unknown>): StoredTransaction {
  const text = (name: string) => {
    const value = fields[name];
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const transaction: StoredTransaction = {
    transactionId,
    type: String(fields.type) as StoredTransaction['type'],
    status: String(fields.status) as StoredTransaction['status'],
    stage: Number(fields.stage),
    accountId: String(fields.accountId),
    at: String(fields.at),
  };
  const reason = text('reason');
  const amount = text('amount');
  const counterparty = text('counterparty');
  if (reason) transaction.reason = reason;
  if (amount) transaction.amount = Number(amount);
  const initiator = text('initiator');
  if (counterparty) transaction.counterparty = counterparty;
  if (initiator) transaction.initiator = initiator;
  return transaction;
}

function transactionFields(tx: StoredTransaction): string[] {
  return [
    'type',
    tx.type,
    'status',
    tx.status,
    'stage',
    String(tx.stage),
    'accountId',
    tx.accountId,
    'at',
    tx.at,
    'reason',
    tx.reason ?? '',
    'amount',
    tx.amount === undefined ? '' : String(tx.amount),
    'counterparty',
    tx.counterparty ?? '',
    ...(tx.initiator === undefined ? [] : ['initiator', tx.initiator]),
  ];
}

/**
 * One record per transaction: the highest stage's, where a batch holds several steps of one
 * transaction (as `transaction-status.ts` says, the higher stage wins).
 */
function latestPerTransaction(transactions: readonly StoredTransaction[]): StoredTransaction[] {
  const latest = new Map<string, StoredTransaction>();
  for (const tx of transactions) {
    const known = latest.get(tx.transactionId);
    if (!known || tx.stage > known.stage) {
      // The initiator of an earlier step of the batch stays with the transaction.
      const initiator = tx.initiator ?? known?.initiator;
      latest.set(tx.transactionId, initiator === undefined ? tx : { ...tx, initiator });
    } else if (known.initiator === undefined && tx.initiator !== undefined) {
      latest.set(tx.transactionId, { ...known, initiator: tx.initiator });
    }
  }
  return [...latest.values()];
}

function parseJsonReply(script: string, reply: unknown): unknown {
  if (typeof reply !== 'string') throw new UnexpectedReplyError(script, reply);
  return JSON.parse(reply);
}
