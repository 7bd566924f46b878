import type { Redis } from '@upstash/redis';
import { luaJson } from '../redis/lua-json.js';
import { LUA_SCRIPTS } from '../redis/lua-scripts.js';
import {
  BatchConflictError,
  OutboxReadBackError,
  ProjectionStateLostError,
  RequestsAbandonedError,
  UnexpectedReplyError,
} from './errors.js';
import {
  currentNamespaceKey,
  DEFAULT_NAMESPACE,
  PROJECTION_FIELDS,
  projectionKeys,
  TRANSACTION_FATE_TTL_SECONDS,
  transactionFateKey,
} from './keys.js';
import type {
  BatchState,
  BatchWrite,
  HistoryEntry,
  OutboxMessage,
  StoredAccount,
  StoredTransaction,
} from './types.js';

/** A namespace's bookkeeping: per partition, the last request offset decided and the facts held. */
export interface Checkpoint {
  commandsOffsets: Map<number, string>;
  factsApplied: Map<number, number>;
}

/** What {@link ProjectionStore.switchNamespace} did. */
export type SwitchOutcome = 'switched' | 'moved' | 'behind';

/**
 * The keys a script call touches, each once, numbered as Lua sees them in `KEYS` (from 1).
 */
class KeyList {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();

  add(key: string): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length;
      this.#index.set(key, index);
    }
    return index;
  }
}

/**
 * The projection in Redis: the projector's one read and one write per batch, the rebuild's switch,
 * and the readers' queries. The Redis client stays inside: everything else goes through these methods.
 * All access goes through the Upstash REST client, so the same code runs on Lambda and locally.
 *
 * @example
 * ```ts
 * const store = new ProjectionStore(await redisClient(), 'banku');
 * const account = await store.getAccount(await store.currentNamespace(), accountId);
 * ```
 */
export class ProjectionStore {
  readonly #redis: Redis;
  readonly #readScript;
  readonly #applyScript;
  readonly #switchScript;

  constructor(
    redis: Redis,
    readonly prefix: string,
  ) {
    this.#redis = redis;
    this.#readScript = redis.createScript<string>(LUA_SCRIPTS.readBatchState);
    this.#applyScript = redis.createScript<string>(LUA_SCRIPTS.applyBatch);
    this.#switchScript = redis.createScript<string>(LUA_SCRIPTS.switchNamespace);
  }

  /** The namespace readers use now. */
  async currentNamespace(): Promise<string> {
    const current = await this.#redis.get<string>(currentNamespaceKey(this.prefix));
    return current ? String(current) : DEFAULT_NAMESPACE;
  }

  /**
   * Reads the given accounts and which of the given requests were already decided, in `namespace`.
   * With `followPointer`, `namespace` is only a guess: if the pointer names another one, the read is
   * made there instead.
   */
  async readBatchState(request: {
    namespace: string;
    followPointer: boolean;
    accounts: readonly string[];
    requests: readonly { transactionId: string; requestEventId: string }[];
  }): Promise<BatchState> {
    let namespace = request.namespace;
    for (let attempt = 0; ; attempt += 1) {
      const names = projectionKeys(this.prefix, namespace);
      const keys = new KeyList();
      const payload = {
        namespace,
        defaultNamespace: DEFAULT_NAMESPACE,
        followPointer: request.followPointer,
        pointer: keys.add(currentNamespaceKey(this.prefix)),
        accounts: request.accounts.map((id) => keys.add(names.account(id))),
        decisions: request.requests.map(({ transactionId, requestEventId }) => ({
          key: keys.add(names.transaction(transactionId)),
          field: PROJECTION_FIELDS.decided(requestEventId),
        })),
      };
      const reply = parseReply('read', await this.#readScript.exec(keys.keys, [luaJson(payload)])) as
        | {
            status: 'ok';
            accounts: unknown[] | Record<string, never>;
            decided: string[] | Record<string, never>;
          }
        | { status: 'moved'; namespace: string };
      if (reply.status === 'moved') {
        if (attempt > 3) throw new BatchConflictError('namespace_switched');
        namespace = reply.namespace;
        continue;
      }
      const accounts = new Map<string, StoredAccount>();
      const found = Array.isArray(reply.accounts) ? reply.accounts : [];
      request.accounts.forEach((id, i) => {
        const flat = found[i];
        if (Array.isArray(flat) && flat.length > 0) accounts.set(id, toAccount(id, pairs(flat)));
      });
      const decided = new Map<string, string[]>();
      const markers = Array.isArray(reply.decided) ? reply.decided : [];
      request.requests.forEach(({ requestEventId }, i) => {
        const marker = markers[i];
        if (marker) decided.set(requestEventId, marker.split(','));
      });
      return { namespace, accounts, decided };
    }
  }

  /**
   * Applies a batch in one atomic step and, with `returnOutbox`, returns the partition's outbox still to
   * publish, in publishing order.
   *
   * @throws {BatchConflictError} when the state changed since it was read; nothing was written.
   * @throws {OutboxReadBackError} when outbox messages vanished before they could be read back.
   */
  async applyBatch(write: BatchWrite, options: { returnOutbox: boolean }): Promise<OutboxMessage[]> {
    const names = projectionKeys(this.prefix, write.namespace);
    const keys = new KeyList();
    const changed = new Map(write.accounts.map((account) => [account.accountId, account]));
    // Opaque values (JSON the scripts only store) travel as ARGV[2…], referred to by index.
    const args = [''];
    const arg = (value: string) => args.push(value);
    const payload = {
      namespace: write.namespace,
      defaultNamespace: DEFAULT_NAMESPACE,
      followPointer: write.followPointer,
      pointer: keys.add(currentNamespaceKey(this.prefix)),
      accounts: [...write.expectedVersions].map(([id, version]) => {
        const account = changed.get(id);
        return {
          key: keys.add(names.account(id)),
          expectedVersion: String(version),
          ...(account ? { fields: accountFields(account) } : {}),
        };
      }),
      decisions: write.decisions.map((marker) => ({
        key: keys.add(names.transaction(marker.transactionId)),
        field: PROJECTION_FIELDS.decided(marker.requestEventId),
        expected: marker.before.join(','),
        value: marker.after.join(','),
      })),
      history: write.history.map(({ accountId, entry }) => ({
        key: keys.add(names.history(accountId)),
        score: String(entry.seq),
        entry: arg(JSON.stringify(entry)),
      })),
      transactions: write.transactions.map((tx) => ({
        key: keys.add(names.transaction(tx.transactionId)),
        stage: String(tx.stage),
        fields: transactionFields(tx),
        anyStage: tx.initiator === undefined ? {} : { initiator: tx.initiator },
      })),
      totals: {
        key: keys.add(names.totals),
        deltas: Object.fromEntries(
          Object.entries(write.totals).map(([field, delta]) => [field, String(delta)]),
        ),
      },
      checkpoint: {
        key: keys.add(names.checkpoint),
        ...(write.commandsOffset === undefined
          ? {}
          : {
              offsetField: PROJECTION_FIELDS.commandsOffset(write.partition),
              offset: write.commandsOffset,
              ...(write.commandsFollows === undefined ? {} : { follows: write.commandsFollows }),
            }),
        countField: PROJECTION_FIELDS.factsApplied(write.partition),
        added: String(write.factsApplied),
      },
      fates: (write.fates ?? []).map(({ transactionId, abandoned }) => ({
        key: keys.add(transactionFateKey(this.prefix, transactionId)),
        transactionId,
        abandoned,
      })),
      fateTtl: TRANSACTION_FATE_TTL_SECONDS,
      outbox: {
        key: keys.add(names.outbox(write.partition)),
        acknowledged: write.acknowledgedOutbox ?? [],
        add: write.outbox.map((message) => ({
          field: message.position,
          message: arg(JSON.stringify(message)),
        })),
        returnPending: options.returnOutbox,
      },
    };
    args[0] = luaJson(payload);
    const reply = parseReply('apply', await this.#applyScript.exec(keys.keys, args)) as
      | { status: 'ok'; pending: string[] | Record<string, never> }
      | { status: 'conflict'; reason: string }
      | { status: 'lost'; checkpoint: string | null }
      | { status: 'abandoned'; transactions: string[] };
    if (reply.status === 'conflict') throw new BatchConflictError(reply.reason);
    if (reply.status === 'abandoned') throw new RequestsAbandonedError(reply.transactions);
    if (reply.status === 'lost')
      throw new ProjectionStateLostError(write.partition, write.commandsFollows ?? '-1', reply.checkpoint);
    const positions = (Array.isArray(reply.pending) ? reply.pending : []).sort();
    const known = new Map(write.outbox.map((message) => [message.position, message]));
    const missing = positions.filter((position) => !known.has(position));
    if (missing.length > 0) {
      // The client is built without automatic deserialisation: HMGET comes back as a plain list.
      const reply: unknown = await this.#redis.hmget(names.outbox(write.partition), ...missing);
      missing.forEach((position, i) => {
        const value: unknown = Array.isArray(reply)
          ? reply[i]
          : (reply as Record<string, unknown> | null)?.[position];
        if (typeof value === 'string') known.set(position, JSON.parse(value) as OutboxMessage);
        else if (value) known.set(position, value as OutboxMessage);
      });
      // Never skip one silently: its decision may exist nowhere else once Redis lost it.
      const gone = missing.filter((position) => !known.has(position));
      if (gone.length > 0) throw new OutboxReadBackError(write.partition, gone);
    }
    return positions.flatMap((position) => known.get(position) ?? []);
  }

  /**
   * After a partition's facts were restored: sets its commands checkpoint to the offset the consumer
   * committed (it only moves forward), so the live projector decides again.
   */
  async restoreCheckpoint(request: {
    namespace: string;
    partition: number;
    commandsOffset: string;
  }): Promise<void> {
    await this.applyBatch(
      {
        namespace: request.namespace,
        followPointer: true,
        partition: request.partition,
        expectedVersions: new Map(),
        decisions: [],
        accounts: [],
        history: [],
        transactions: [],
        totals: { deposited: 0, withdrawn: 0, inFlight: 0, balances: 0 },
        factsApplied: 0,
        commandsOffset: request.commandsOffset,
        outbox: [],
      },
      { returnOutbox: false },
    );
  }

  /** Whether a namespace holds a projection (anything applied to it). */
  async holdsProjection(namespace: string): Promise<boolean> {
    return (await this.#redis.exists(projectionKeys(this.prefix, namespace).checkpoint)) > 0;
  }

  /** A namespace's bookkeeping, per partition. */
  async checkpoint(namespace: string): Promise<Checkpoint> {
    const fields = (await this.#hash(projectionKeys(this.prefix, namespace).checkpoint)) ?? {};
    const checkpoint: Checkpoint = { commandsOffsets: new Map(), factsApplied: new Map() };
    for (const [field, value] of Object.entries(fields)) {
      const [kind, partition] = field.split(':');
      if (kind === 'commands') checkpoint.commandsOffsets.set(Number(partition), value);
      if (kind === 'facts') checkpoint.factsApplied.set(Number(partition), Number(value));
    }
    return checkpoint;
  }

  /**
   * Points readers and the live projector at `to`, if `from` is still the namespace in use and `to`
   * holds at least its facts on every partition; the live projector's offsets and outboxes move along.
   */
  async switchNamespace(request: {
    from: string;
    to: string;
    partitions: readonly number[];
  }): Promise<SwitchOutcome> {
    const from = projectionKeys(this.prefix, request.from);
    const to = projectionKeys(this.prefix, request.to);
    const keys = new KeyList();
    const payload = {
      from: request.from,
      to: request.to,
      defaultNamespace: DEFAULT_NAMESPACE,
      pointer: keys.add(currentNamespaceKey(this.prefix)),
      fromCheckpoint: keys.add(from.checkpoint),
      toCheckpoint: keys.add(to.checkpoint),
      outboxes: request.partitions.map((partition) => ({
        from: keys.add(from.outbox(partition)),
        to: keys.add(to.outbox(partition)),
      })),
      factsPrefix: PROJECTION_FIELDS.factsApplied(0).replace(/0$/, ''),
      commandsPrefix: PROJECTION_FIELDS.commandsOffset(0).replace(/0$/, ''),
    };
    const reply = await this.#switchScript.exec(keys.keys, [luaJson(payload)]);
    if (reply !== 'switched' && reply !== 'moved' && reply !== 'behind')
      throw new UnexpectedReplyError('switch', reply);
    return reply;
  }

  /** One account, or undefined. */
  async getAccount(namespace: string, accountId: string): Promise<StoredAccount | undefined> {
    const fields = await this.#hash(projectionKeys(this.prefix, namespace).account(accountId));
    return fields ? toAccount(accountId, fields) : undefined;
  }

  /**
   * Who owns an account, read with one command: undefined when there is no such account, an empty
   * owner for an account recorded before owners existed.
   */
  async accountOwnership(
    namespace: string,
    accountId: string,
  ): Promise<Pick<StoredAccount, 'owner'> | undefined> {
    const key = projectionKeys(this.prefix, namespace).account(accountId);
    // Without automatic deserialisation the client hands back Redis's own reply: [owner, version].
    const reply: unknown = await this.#redis.hmget(key, 'owner', 'version');
    const [owner, version] = Array.isArray(reply)
      ? reply
      : [
          (reply as Record<string, unknown> | null)?.owner,
          (reply as Record<string, unknown> | null)?.version,
        ];
    if (version === null || version === undefined) return undefined;
    return { owner: owner === null || owner === undefined ? '' : String(owner) };
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
    const members: string[] = await this.#redis.zrange<string[]>(keys.history(accountId), max, '-inf', {
      byScore: true,
      rev: true,
      offset: 0,
      count: page.limit + 1,
    });
    const entries = members.slice(0, page.limit).map((member) => JSON.parse(member) as HistoryEntry);
    // One request for the page's statuses, whatever its length.
    const pipeline = this.#redis.pipeline();
    for (const entry of entries) pipeline.hgetall(keys.transaction(entry.transactionId));
    const replies: unknown[] = entries.length === 0 ? [] : await pipeline.exec();
    return {
      entries: entries.map((entry, i) => {
        const fields = hashFields(replies[i]);
        return { entry, transaction: fields ? toTransaction(entry.transactionId, fields) : undefined };
      }),
      more: members.length > page.limit,
    };
  }

  /** A hash as strings, or undefined when it does not exist. */
  async #hash(key: string): Promise<Record<string, string> | undefined> {
    return hashFields(await this.#redis.hgetall(key));
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

/**
 * An HGETALL reply as strings, or undefined when the hash does not exist. The client is built without
 * automatic deserialisation (a name such as "1e3" must stay a string), so the reply comes back flat.
 */
function hashFields(reply: unknown): Record<string, string> | undefined {
  if (reply == null) return undefined;
  if (!Array.isArray(reply)) return reply as Record<string, string>;
  if (reply.length === 0) return undefined;
  return pairs(reply);
}

function parseReply(script: string, reply: unknown): unknown {
  if (typeof reply !== 'string') throw new UnexpectedReplyError(script, reply);
  return JSON.parse(reply);
}

function pairs(flat: readonly unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

function accountFields(account: StoredAccount): Record<string, string> {
  return {
    owner: account.owner,
    name: account.name,
    currency: account.currency,
    balance: String(account.balance),
    version: String(account.version),
    openedAt: account.openedAt,
    updatedAt: account.updatedAt,
  };
}

function toAccount(accountId: string, fields: Record<string, unknown>): StoredAccount {
  return {
    accountId,
    owner: fields.owner === undefined || fields.owner === null ? '' : String(fields.owner),
    name: String(fields.name),
    currency: String(fields.currency),
    balance: Number(fields.balance),
    version: Number(fields.version),
    openedAt: String(fields.openedAt),
    updatedAt: String(fields.updatedAt),
  };
}

function transactionFields(tx: StoredTransaction): Record<string, string> {
  return {
    type: tx.type,
    status: tx.status,
    accountId: tx.accountId,
    at: tx.at,
    reason: tx.reason ?? '',
    amount: tx.amount === undefined ? '' : String(tx.amount),
    counterparty: tx.counterparty ?? '',
  };
}

function toTransaction(transactionId: string, fields: Record<string, unknown>): StoredTransaction {
  const text = (name: string) => {
    const value = fields[name];
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const amount = text('amount');
  const reason = text('reason');
  const counterparty = text('counterparty');
  const initiator = text('initiator');
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
    ...(initiator ? { initiator } : {}),
  };
}
