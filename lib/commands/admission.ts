import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import {
  currentNamespaceKey,
  DEFAULT_NAMESPACE,
  projectionKeys,
  TRANSACTION_FATE_TTL_SECONDS,
  transactionFateKey,
} from '../projection/keys.js';
import { UPSTASH_REQUEST_TIMEOUT_MS } from '../redis/client.js';
import { LUA_SCRIPTS } from '../redis/lua-scripts.js';
import { ScriptArgs } from '../redis/script-args.js';

/** How long an Idempotency-Key and a pending marker are remembered. */
export const ADMISSION_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * What abandoning a transaction may take: one script call, and a second one when a rebuild switched
 * namespaces meanwhile. A command keeps this much of its time after the publish's budget (see
 * handleCommand).
 */
export const ABANDON_BUDGET_MS = 2 * UPSTASH_REQUEST_TIMEOUT_MS;

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

/** What an Idempotency-Key's claim holds: enough to tell a retry from another request. */
interface IdempotencyRecord {
  fingerprint: string;
  transactionId: string;
}

/**
 * The write side's only Redis state: Idempotency-Key claims, pending markers and abandonments. They live
 * outside the projection namespaces — they are facts about requests, not about the log — and expire.
 *
 * Admission is a few plain commands in order, not a script: Upstash bills a script's call on top of
 * every command it runs, so a script could never admit a keyed command in fewer than three. Billed
 * commands per admission:
 *
 * | request | commands |
 * | --- | --- |
 * | without a key | 1: the pending marker (`SET NX EX`) |
 * | with a key, first time | 2: claim the key (`SET NX EX`), the pending marker |
 * | with a key, retried | 4: the claim is refused, read it (`GET`), take back an abandonment (`DEL`), the pending marker |
 * | with a key used for another request | 2: the claim is refused, read it; nothing is written |
 *
 * Nothing needs the steps to be atomic. The pending marker is written after the claim and before the
 * caller publishes, so a 202 always finds it. If the claim is written and the marker is not (Redis
 * failed in between), the command answered 503 without publishing; its retry with the same key is a
 * replay, which writes the marker and publishes. Abandoning a transaction whose publish could not be
 * confirmed is the one script (see {@link CommandAdmissions.abandon}): it must be atomic with the
 * projector's decision, and it is rare.
 *
 * @example
 * ```ts
 * const admissions = new CommandAdmissions(redis, 'banku');
 * const outcome = await admissions.admit({ idempotencyKey, fingerprint, pending });
 * ```
 */
export class CommandAdmissions {
  readonly #abandonScript;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.#abandonScript = redis.createScript<string>(LUA_SCRIPTS.abandonTransaction);
  }

  async admit(request: {
    idempotencyKey: string | null;
    fingerprint: string;
    pending: PendingTransaction;
  }): Promise<Admission> {
    const { idempotencyKey, fingerprint, pending } = request;
    const outcome =
      idempotencyKey === null
        ? 'new'
        : await this.#claim(this.idempotencyKeyName(pending.initiator, idempotencyKey), {
            fingerprint,
            transactionId: pending.transactionId,
          });
    if (outcome === 'conflict') return outcome;
    // A retry takes back the abandonment its first attempt may have made (answered 503): the retry may
    // take effect, once. If the projector already decided the first attempt, deleting changes nothing:
    // the retry's record is the same request, a duplicate.
    if (outcome === 'replay') await this.redis.del(transactionFateKey(this.prefix, pending.transactionId));
    // NX: a retry leaves the first attempt's marker as it was.
    await this.redis.set(this.pendingKeyName(pending.transactionId), JSON.stringify(pending), {
      nx: true,
      ex: ADMISSION_TTL_SECONDS,
    });
    return outcome;
  }

  /**
   * Makes sure a command whose publish was not confirmed never takes effect: marks its transaction
   * abandoned unless the projector already decided it (the record did reach the log). The projector
   * decides an abandoned request as rejected `abandoned`, checking the mark in the same atomic step.
   * Returns which came first.
   */
  async abandon(transactionId: string): Promise<'abandoned' | 'decided'> {
    let namespace = DEFAULT_NAMESPACE;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const args = new ScriptArgs();
      const plan = {
        pointer: args.key(currentNamespaceKey(this.prefix)),
        fate: args.key(transactionFateKey(this.prefix, transactionId)),
        transaction: args.key(projectionKeys(this.prefix, namespace).transaction(transactionId)),
        namespace,
        defaultNamespace: DEFAULT_NAMESPACE,
        ttl: TRANSACTION_FATE_TTL_SECONDS,
      };
      const reply: unknown = await this.#abandonScript.exec(args.keys, args.argv(plan));
      const parsed = JSON.parse(String(reply)) as
        { status: 'abandoned' | 'decided' } | { status: 'moved'; namespace: string };
      if (parsed.status !== 'moved') return parsed.status;
      namespace = parsed.namespace;
    }
    throw new Error(
      `the projection's namespace kept moving while abandoning transaction ${transactionId}; retry`,
    );
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

  /** Claims the key for this request, or says whose it already is. */
  async #claim(key: string, record: IdempotencyRecord): Promise<Admission> {
    // A claim that expires between the refused SET and the GET is free again: claim once more.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const claimed = await this.redis.set(key, JSON.stringify(record), {
        nx: true,
        ex: ADMISSION_TTL_SECONDS,
      });
      if (claimed !== null) return 'new';
      const existing = await this.redis.get<string>(key);
      if (existing !== null) {
        const holder = JSON.parse(String(existing)) as IdempotencyRecord;
        return holder.fingerprint === record.fingerprint ? 'replay' : 'conflict';
      }
    }
    throw new Error('the Idempotency-Key claim expired twice while it was being read; retry the request');
  }
}
