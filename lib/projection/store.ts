import type { Redis } from '@upstash/redis';
import { LUA_SCRIPTS } from '../redis/lua-scripts.js';
import { ScriptArgs } from '../redis/script-args.js';
import {
  applyBatchArgs,
  type BatchStateRequest,
  parseApplyReply,
  parseReadReply,
  readBatchArgs,
  decodeAccount,
  toTransaction,
} from './batch-scripts.js';
import {
  BatchConflictError,
  OutboxReadBackError,
  ProjectionLayoutError,
  ProjectionStateLostError,
  RequestsAbandonedError,
  UnexpectedReplyError,
} from './errors.js';
import {
  currentNamespaceKey,
  DEFAULT_NAMESPACE,
  historyBucket,
  PROJECTION_FIELDS,
  PROJECTION_LAYOUT,
  projectionKeys,
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
   * Reads the given accounts, which of the given requests were already decided, and the partition's fact
   * count, in `namespace`. With `followPointer`, `namespace` is only a guess: if the pointer names another
   * one, the read is made there instead.
   */
  async readBatchState(request: BatchStateRequest): Promise<BatchState> {
    let asked = request;
    for (let attempt = 0; ; attempt += 1) {
      const { keys, argv } = readBatchArgs(this.prefix, asked);
      const state = parseReadReply(asked, await this.#readScript.exec(keys, argv));
      if ('layout' in state) throw new ProjectionLayoutError(asked.namespace, state.layout);
      if (!('moved' in state)) return state;
      if (attempt > 3) throw new BatchConflictError('namespace_switched');
      asked = { ...asked, namespace: state.moved };
    }
  }

  /**
   * Applies a batch in one atomic step and, with `returnOutbox`, returns the partition's outbox still to
   * publish, in publishing order.
   *
   * @throws {BatchConflictError} when the state changed since it was read; nothing was written.
   * @throws {OutboxReadBackError} when outbox messages vanished before they could be read back.
   * @throws {ProjectionLayoutError} when the namespace was written in another layout; nothing was written.
   */
  async applyBatch(write: BatchWrite, options: { returnOutbox: boolean }): Promise<OutboxMessage[]> {
    const { keys, argv } = applyBatchArgs(this.prefix, write, options);
    const outcome = parseApplyReply(await this.#applyScript.exec(keys, argv));
    if ('layout' in outcome) throw new ProjectionLayoutError(write.namespace, outcome.layout);
    if ('conflict' in outcome) throw new BatchConflictError(outcome.conflict);
    if ('abandoned' in outcome) throw new RequestsAbandonedError(outcome.abandoned);
    if ('lost' in outcome)
      throw new ProjectionStateLostError(write.partition, write.commandsFollows ?? '-1', outcome.lost);
    const known = new Map(write.outbox.map((message) => [message.position, message]));
    const missing = outcome.pending.filter((position) => !known.has(position));
    if (missing.length > 0) {
      const outbox = projectionKeys(this.prefix, write.namespace).outbox(write.partition);
      // The client is built without automatic deserialisation: HMGET comes back as a plain list.
      const reply: unknown = await this.#redis.hmget(outbox, ...missing);
      missing.forEach((position, i) => {
        const value: unknown = Array.isArray(reply)
          ? reply[i]
          : (reply as Record<string, unknown> | null)?.[position];
        if (typeof value === 'string') known.set(position, JSON.parse(value) as OutboxMessage);
      });
      // Never skip one silently: its decision may exist nowhere else once Redis lost it.
      const gone = missing.filter((position) => !known.has(position));
      if (gone.length > 0) throw new OutboxReadBackError(write.partition, gone);
    }
    return outcome.pending.flatMap((position) => known.get(position) ?? []);
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
    // The write checks the partition's fact count, read just before: an overlapping restore of the same
    // partition may move it in between, so a refusal is read again, a few times.
    for (let attempt = 0; ; attempt += 1) {
      const state = await this.readBatchState({
        namespace: request.namespace,
        followPointer: true,
        partition: request.partition,
        accounts: [],
        requests: [],
      });
      try {
        await this.applyBatch(
          {
            namespace: state.namespace,
            followPointer: true,
            partition: request.partition,
            expectedFacts: state.partitionFacts,
            transactionsInOrder: true,
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
        return;
      } catch (error) {
        if (!(error instanceof BatchConflictError) || attempt >= 4) throw error;
      }
    }
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
    const args = new ScriptArgs();
    const payload = {
      from: request.from,
      to: request.to,
      defaultNamespace: DEFAULT_NAMESPACE,
      pointer: args.key(currentNamespaceKey(this.prefix)),
      fromCheckpoint: args.key(from.checkpoint),
      toCheckpoint: args.key(to.checkpoint),
      outboxes: request.partitions.map((partition) => ({
        from: args.key(from.outbox(partition)),
        to: args.key(to.outbox(partition)),
      })),
      factsPrefix: PROJECTION_FIELDS.factsApplied(0).replace(/0$/, ''),
      commandsPrefix: PROJECTION_FIELDS.commandsOffset(0).replace(/0$/, ''),
      layoutField: PROJECTION_FIELDS.layout,
      layout: PROJECTION_LAYOUT,
    };
    const reply = await this.#switchScript.exec(args.keys, args.argv(payload));
    if (reply !== 'switched' && reply !== 'moved' && reply !== 'behind')
      throw new UnexpectedReplyError('switch', reply);
    return reply;
  }

  /** One account, or undefined: one command. */
  async getAccount(namespace: string, accountId: string): Promise<StoredAccount | undefined> {
    const value: unknown = await this.#redis.get(projectionKeys(this.prefix, namespace).account(accountId));
    return typeof value === 'string' ? decodeAccount(accountId, value) : undefined;
  }

  /**
   * Who owns an account, read with one command: undefined when there is no such account, an empty
   * owner for an account recorded before owners existed.
   */
  async accountOwnership(
    namespace: string,
    accountId: string,
  ): Promise<Pick<StoredAccount, 'owner'> | undefined> {
    const account = await this.getAccount(namespace, accountId);
    return account && { owner: account.owner };
  }

  /** One transaction's recorded status, or undefined. */
  async getTransaction(namespace: string, transactionId: string): Promise<StoredTransaction | undefined> {
    const fields = await this.#hash(projectionKeys(this.prefix, namespace).transaction(transactionId));
    return fields ? toTransaction(transactionId, fields) : undefined;
  }

  /**
   * A page of an account's history, newest first, with each entry's transaction status joined.
   * `before` is the `seq` to continue below (the previous page's cursor; the account's version + 1 for
   * the first page, read here when not given).
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
    // Versions below `before`, newest first, from the key holding the newest down to the oldest.
    const before = page.before ?? ((await this.getAccount(namespace, accountId))?.version ?? 0) + 1;
    const members: string[] = [];
    for (let bucket = historyBucket(before - 1); bucket >= 0 && members.length <= page.limit; bucket -= 1) {
      const found: string[] = await this.#redis.zrange<string[]>(
        keys.history(accountId, bucket),
        `(${before}`,
        '-inf',
        { byScore: true, rev: true, offset: 0, count: page.limit + 1 - members.length },
      );
      members.push(...found);
    }
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

function pairs(flat: readonly unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}
