import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { luaJson } from '../redis/lua-json.js';
import { LUA_SCRIPTS } from '../redis/lua-scripts.js';

/** How long an Idempotency-Key and a pending marker are remembered. */
export const ADMISSION_TTL_SECONDS = 7 * 24 * 60 * 60;

/** What the API knows of a transaction the projector has not decided yet. */
export interface PendingTransaction {
  transactionId: string;
  type: 'account_open' | 'deposit' | 'withdrawal' | 'transfer';
  accountId: string;
  /** Subject of the principal who asked: until the projector decides, only they (and operators) may read it. */
  initiator: string;
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
        : [this.idempotencyKeyName(pending.initiator, idempotencyKey), pendingKey];
    const reply = await this.#script.exec(keys, [
      luaJson({
        claim: idempotencyKey === null ? null : 1,
        pending: keys.length,
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

  /** The pending marker of a transaction, if a command admitted it and it has not expired. */
  async pending(transactionId: string): Promise<PendingTransaction | undefined> {
    const value = await this.redis.get<string>(this.pendingKeyName(transactionId));
    return value ? (JSON.parse(String(value)) as PendingTransaction) : undefined;
  }

  // Keys are hashed: an Idempotency-Key is client text of up to 255 characters. Each principal has keys
  // of its own: another customer sending the same key neither replays nor blocks this one's request.
  idempotencyKeyName(principal: string, idempotencyKey: string): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([principal, idempotencyKey]))
      .digest('hex');
    return `${this.prefix}:idempotency:${hash}`;
  }

  pendingKeyName(transactionId: string): string {
    return `${this.prefix}:pending:${transactionId}`;
  }
}
