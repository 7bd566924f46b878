import type { Redis } from '@upstash/redis';
import { luaJson } from '../redis/lua-json.js';
import { BatchConflictError, UnexpectedReplyError } from './errors.js';
import { currentNamespaceKey, DEFAULT_NAMESPACE, projectionKeys } from './keys.js';
import { APPLY_BATCH_LUA, READ_BATCH_STATE_LUA } from './scripts.js';
import type {
  BatchState,
  BatchWrite,
  HistoryEntry,
  OutboxMessage,
  StoredAccount,
  StoredTransaction,
} from './types.js';

/**
 * The projection in Redis: the projector's one-read-one-write per batch, and the readers' queries.
 * All access goes through the Upstash REST client, so the same code runs on Lambda and locally.
 *
 * @example
 * ```ts
 * const store = new ProjectionStore(await redisClient(), 'banku');
 * const state = await store.readBatchState({ accounts: ['…'], events: ['…'] });
 * ```
 */
export class ProjectionStore {
  readonly #readScript;
  readonly #applyScript;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.#readScript = redis.createScript<string>(READ_BATCH_STATE_LUA);
    this.#applyScript = redis.createScript<string>(APPLY_BATCH_LUA);
  }

  /** The namespace readers use now. */
  async currentNamespace(): Promise<string> {
    const current = await this.redis.get<string>(currentNamespaceKey(this.prefix));
    return current ? String(current) : DEFAULT_NAMESPACE;
  }

  /** Reads the namespace in use (or `namespace`), the given accounts and which events were applied. */
  async readBatchState(request: {
    accounts: string[];
    events: string[];
    namespace?: string;
  }): Promise<BatchState> {
    const reply = await this.#readScript.exec(
      [],
      [
        luaJson({
          prefix: this.prefix,
          defaultNamespace: DEFAULT_NAMESPACE,
          namespace: request.namespace ?? null,
          accounts: request.accounts,
          events: request.events,
        }),
      ],
    );
    const parsed = parseReply('read', reply) as {
      namespace: string;
      accounts: Record<string, Record<string, string>>;
      seen: string[] | Record<string, never>;
    };
    const accounts = new Map<string, StoredAccount>();
    for (const [id, fields] of Object.entries(parsed.accounts)) accounts.set(id, toAccount(id, fields));
    return {
      namespace: parsed.namespace,
      accounts,
      seen: new Set(Array.isArray(parsed.seen) ? parsed.seen : []),
    };
  }

  /**
   * Applies a decided batch in one atomic step and returns the outbox still to publish.
   *
   * @throws {BatchConflictError} when the state changed since it was read; nothing was written.
   */
  async applyBatch(write: BatchWrite, options: { returnOutbox: boolean }): Promise<OutboxMessage[]> {
    const payload = {
      prefix: this.prefix,
      defaultNamespace: DEFAULT_NAMESPACE,
      namespace: write.namespace,
      followPointer: write.followPointer,
      returnOutbox: options.returnOutbox,
      expectedVersions: [...write.expectedVersions].map(([id, version]) => [id, String(version)]),
      applied: write.applied,
      accounts: write.accounts.map((account) => [account.accountId, accountFields(account)]),
      history: write.history.map(({ accountId, entry }) => [
        accountId,
        String(entry.seq),
        JSON.stringify(entry),
      ]),
      transactions: write.transactions.map((tx) => [
        tx.transactionId,
        String(tx.stage),
        transactionFields(tx),
      ]),
      totals: Object.fromEntries(
        Object.entries(write.totals).map(([field, delta]) => [field, String(delta)]),
      ),
      outbox: write.outbox.map((message) => [message.eventId, JSON.stringify(message)]),
      deadLetters: write.deadLetters.map((letter) => [
        `${letter.topic}:${letter.partition}:${letter.offset}`,
        JSON.stringify(letter),
      ]),
      topicPartition: write.topicPartition,
      acknowledgedOutbox: write.acknowledgedOutbox ?? [],
      checkpoints: [...write.checkpoints],
    };
    const reply = parseReply('apply', await this.#applyScript.exec([], [luaJson(payload)])) as
      { status: 'ok'; outbox: string[] | Record<string, never> } | { status: 'conflict'; reason: string };
    if (reply.status === 'conflict') throw new BatchConflictError(reply.reason);
    const flat = Array.isArray(reply.outbox) ? reply.outbox : [];
    const pending: OutboxMessage[] = [];
    for (let i = 1; i < flat.length; i += 2) pending.push(JSON.parse(flat[i] as string) as OutboxMessage);
    return pending;
  }

  /** One account, or undefined. */
  async getAccount(namespace: string, accountId: string): Promise<StoredAccount | undefined> {
    const fields = await this.#hash(projectionKeys(this.prefix, namespace).account(accountId));
    return fields ? toAccount(accountId, fields) : undefined;
  }

  /** One transaction's recorded status, or undefined. */
  async getTransaction(namespace: string, transactionId: string): Promise<StoredTransaction | undefined> {
    const fields = await this.#hash(projectionKeys(this.prefix, namespace).transaction(transactionId));
    return fields ? toTransaction(transactionId, fields) : undefined;
  }

  /**
   * A page of an account's history, newest first, with each entry's transaction status joined.
   * `before` is the `seq` to continue below (the previous page's cursor).
   */
  async listHistory(
    namespace: string,
    accountId: string,
    page: { limit: number; before?: number },
  ): Promise<{
    entries: { entry: HistoryEntry; transaction: StoredTransaction | undefined }[];
    more: boolean;
  }> {
    const keys = projectionKeys(this.prefix, namespace);
    const max: '+inf' | `(${number}` = page.before === undefined ? '+inf' : `(${page.before}`;
    const members: string[] = await this.redis.zrange<string[]>(keys.history(accountId), max, '-inf', {
      byScore: true,
      rev: true,
      offset: 0,
      count: page.limit + 1,
    });
    const entries = members.slice(0, page.limit).map((member) => JSON.parse(member) as HistoryEntry);
    const transactions =
      entries.length === 0
        ? []
        : await Promise.all(entries.map((entry) => this.getTransaction(namespace, entry.transactionId)));
    return {
      entries: entries.map((entry, i) => ({ entry, transaction: transactions[i] })),
      more: members.length > page.limit,
    };
  }

  /**
   * A hash as strings, or undefined when it does not exist. The client is built without automatic
   * deserialisation (a name such as "1e3" must stay a string), so HGETALL comes back flat.
   */
  async #hash(key: string): Promise<Record<string, string> | undefined> {
    const reply: unknown = await this.redis.hgetall(key);
    if (reply == null) return undefined;
    if (!Array.isArray(reply)) return reply as Record<string, string>;
    if (reply.length === 0) return undefined;
    const fields: Record<string, string> = {};
    for (let i = 0; i < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fields;
  }

  /** The conservation ledger of a namespace. */
  async totals(
    namespace: string,
  ): Promise<Record<'deposited' | 'withdrawn' | 'inFlight' | 'balances', number>> {
    const fields = (await this.#hash(projectionKeys(this.prefix, namespace).totals)) ?? {};
    const read = (name: string) => Number(fields[name] ?? 0);
    return {
      deposited: read('deposited'),
      withdrawn: read('withdrawn'),
      inFlight: read('inFlight'),
      balances: read('balances'),
    };
  }
}

function parseReply(script: string, reply: unknown): unknown {
  if (typeof reply !== 'string') throw new UnexpectedReplyError(script, reply);
  return JSON.parse(reply);
}

function accountFields(account: StoredAccount): string[] {
  return [
    'name',
    account.name,
    'currency',
    account.currency,
    'balance',
    String(account.balance),
    'version',
    String(account.version),
    'openedAt',
    account.openedAt,
    'updatedAt',
    account.updatedAt,
  ];
}

function toAccount(accountId: string, fields: Record<string, unknown>): StoredAccount {
  return {
    accountId,
    name: String(fields.name),
    currency: String(fields.currency),
    balance: Number(fields.balance),
    version: Number(fields.version),
    openedAt: String(fields.openedAt),
    updatedAt: String(fields.updatedAt),
  };
}

function transactionFields(tx: StoredTransaction): string[] {
  const fields = ['type', tx.type, 'status', tx.status, 'accountId', tx.accountId, 'at', tx.at];
  fields.push('reason', tx.reason ?? '');
  fields.push('amount', tx.amount === undefined ? '' : String(tx.amount));
  fields.push('counterparty', tx.counterparty ?? '');
  return fields;
}

function toTransaction(transactionId: string, fields: Record<string, unknown>): StoredTransaction {
  const text = (name: string) => {
    const value = fields[name];
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const amount = text('amount');
  const reason = text('reason');
  const counterparty = text('counterparty');
  return {
    transactionId,
    type: String(fields.type) as StoredTransaction['type'],
    status: String(fields.status) as StoredTransaction['status'],
    stage: Number(fields.stage),
    accountId: String(fields.accountId),
    at: String(fields.at),
    ...(reason ? { reason } : {}),
    ...(amount ? { amount: Number(amount) } : {}),
    ...(counterparty ? { counterparty } : {}),
  };
}
