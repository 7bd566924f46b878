import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { TRANSACTION_FATE, TRANSACTION_FATE_TTL_SECONDS, transactionFateKey } from '../projection/keys.js';
import { UPSTASH_REQUEST_TIMEOUT_MS } from '../redis/client.js';
import { luaJson } from '../redis/lua-json.js';
import { LUA_SCRIPTS } from '../redis/lua-scripts.js';

/** How long an Idempotency-Key and a pending marker are remembered. */
export const ADMISSION_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * What abandoning a transaction may take: a SET, and a GET when something was there first. A command
 * keeps this much of its time after the publish's budget (see handleCommand).
 */
export const ABANDON_BUDGET_MS = 2 * UPSTASH_REQUEST_TIMEOUT_MS;

/** What the API knows of a transaction the projector has not decided yet. */
export interface PendingTransaction {
  transactionId: string;
  type: 'account_open' | 'deposit' | 'withdrawal' | 'transfer';
  accountId: string;
  at: string;
}

/** `new`: first time; `replay`: the same request again with its key; `conflict`: the key was used for another request. */
export type Admission = 'new' | 'replay' | 'conflict';

/**
 * The write side's only Redis state: Idempotency-Key claims and pending markers. Both live outside the
 * projection namespaces — they are facts about requests, not about the log — and expire.
 *
 * @example
 * ```ts
 * const admissions = new CommandAdmissions(redis, 'banku');
 * const outcome = await admissions.admit({ idempotencyKey, fingerprint, pending });
 * ```
 */
export class CommandAdmissions {
  readonly #script;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.#script = redis.createScript<string>(LUA_SCRIPTS.admitCommand);
  }

  async admit(request: {
    idempotencyKey: string | null;
    fingerprint: string;
    pending: PendingTransaction;
  }): Promise<Admission> {
    const { idempotencyKey, fingerprint, pending } = request;
    const pendingKey = this.pendingKeyName(pending.transactionId);
    const keys =
      idempotencyKey === null
        ? [pendingKey]
        : [
            this.idempotencyKeyName(idempotencyKey),
            pendingKey,
            transactionFateKey(this.prefix, pending.transactionId),
          ];
    const reply = await this.#script.exec(keys, [
      luaJson({
        claim: idempotencyKey === null ? null : 1,
        pending: idempotencyKey === null ? 1 : 2,
        fate: idempotencyKey === null ? null : 3,
        fingerprint,
        record: JSON.stringify({ fingerprint, transactionId: pending.transactionId }),
        pendingValue: JSON.stringify(pending),
        ttl: ADMISSION_TTL_SECONDS,
      }),
    ]);
    if (reply !== 'new' && reply !== 'replay' && reply !== 'conflict') {
      throw new Error(`unexpected reply from the command admission script: ${JSON.stringify(reply)}`);
    }
    return reply;
  }

  /**
   * Makes sure a command whose publish was not confirmed never takes effect: marks its transaction
   * abandoned unless the projector already decided it (the record did reach the log). The projector
   * decides an abandoned request as rejected `abandoned`, checking the mark in the same atomic step.
   * Returns which came first.
   */
  async abandon(transactionId: string): Promise<'abandoned' | 'decided'> {
    const key = transactionFateKey(this.prefix, transactionId);
    const set = await this.redis.set(key, TRANSACTION_FATE.abandoned, {
      nx: true,
      ex: TRANSACTION_FATE_TTL_SECONDS,
    });
    if (set !== null) return 'abandoned';
    // Written before: by the projector, or by an earlier attempt of the same Idempotency-Key.
    const fate = await this.redis.get<string>(key);
    if (fate === null) return this.abandon(transactionId); // expired meanwhile: mark it now
    return String(fate) === TRANSACTION_FATE.decided ? 'decided' : 'abandoned';
  }

  /** The pending marker of a transaction, if a command admitted it and it has not expired. */
  async pending(transactionId: string): Promise<PendingTransaction | undefined> {
    const value = await this.redis.get<string>(this.pendingKeyName(transactionId));
    return value ? (JSON.parse(String(value)) as PendingTransaction) : undefined;
  }

  // Keys are hashed: an Idempotency-Key is client text of up to 255 characters.
  idempotencyKeyName(idempotencyKey: string): string {
    return `${this.prefix}:idempotency:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
  }

  pendingKeyName(transactionId: string): string {
    return `${this.prefix}:pending:${transactionId}`;
  }
}
