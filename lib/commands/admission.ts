import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import {
  currentNamespaceKey,
  DEFAULT_NAMESPACE,
  projectionKeys,
  TRANSACTION_FATE,
  TRANSACTION_FATE_TTL_SECONDS,
  transactionFateKey,
} from '../projection/keys.js';
import { UPSTASH_REQUEST_TIMEOUT_MS } from '../redis/client.js';
import { LUA_SCRIPTS } from '../redis/lua-scripts.js';
import { ScriptArgs } from '../redis/script-args.js';

/** How long an Idempotency-Key's claim is remembered (a transaction's fate: TRANSACTION_FATE_TTL_SECONDS). */
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

/** What an Idempotency-Key's claim holds: enough to tell a retry from another request, and to replay it. */
interface IdempotencyRecord {
  fingerprint: string;
  transactionId: string;
  /** The first attempt's pending record (claims made before it was kept have none). */
  pending?: PendingTransaction;
}

/**
 * The write side's only Redis state: Idempotency-Key claims and each transaction's fate (its pending
 * record, marked when abandoned). They live outside the projection namespaces — they are facts about
 * requests, not about the log — and expire.
 *
 * Admission is plain commands, not a script: Upstash bills a script's call on top of every command it
 * runs. Billed commands per admission:
 *
 * | request | commands |
 * | --- | --- |
 * | without a key | 1: the fate, holding the pending record (`SET NX EX`) |
 * | with a key, first time | 2: claim the key (`SET NX GET EX`: nothing there), the fate |
 * | with a key, retried | 2: the claim is refused and answers the first attempt's record, the fate set to it again (which lifts an abandonment) |
 * | with a key used for another request | 1: the claim is refused and answers whose it is; nothing is written |
 *
 * Nothing needs the two steps to be atomic. The fate is written after the claim and before the caller
 * publishes, so a 202 always finds it. If the claim is written and the fate is not (Redis failed in
 * between), the command answered 503 without publishing; its retry with the same key is a replay, which
 * writes the fate and publishes. Abandoning a transaction whose publish could not be confirmed is the one
 * script (see {@link CommandAdmissions.abandon}): it must be atomic with the projector's decision, and it
 * is rare.
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
    const fate = transactionFateKey(this.prefix, pending.transactionId);
    if (idempotencyKey !== null) {
      const claim: IdempotencyRecord = { fingerprint, transactionId: pending.transactionId, pending };
      // One command claims the key or, when it is taken, answers whose it is.
      const held: unknown = await this.redis.set(
        this.idempotencyKeyName(pending.initiator, idempotencyKey),
        JSON.stringify(claim),
        { nx: true, get: true, ex: ADMISSION_TTL_SECONDS },
      );
      if (held !== null) {
        const holder = JSON.parse(String(held)) as IdempotencyRecord;
        if (holder.fingerprint !== fingerprint) return 'conflict';
        // A retry takes the place of its first attempt, which may have been abandoned (answered 503):
        // setting the fate to the first attempt's pending record again lifts the mark, so the retry may
        // take effect, once. If the projector already decided the first attempt, this changes nothing:
        // the retry's record is the same request, a duplicate.
        await this.redis.set(fate, JSON.stringify(holder.pending ?? pending), {
          ex: TRANSACTION_FATE_TTL_SECONDS,
        });
        return 'replay';
      }
    }
    await this.redis.set(fate, JSON.stringify(pending), { nx: true, ex: TRANSACTION_FATE_TTL_SECONDS });
    return 'new';
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
        abandonedPrefix: TRANSACTION_FATE.abandonedPrefix,
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

  /**
   * The pending record of a transaction a command admitted, abandoned or not, if it has not expired: what
   * `GET /transactions/{id}` answers until the projector decides.
   */
  async pending(transactionId: string): Promise<PendingTransaction | undefined> {
    const value: unknown = await this.redis.get(transactionFateKey(this.prefix, transactionId));
    if (typeof value !== 'string') return undefined;
    const { abandonedPrefix } = TRANSACTION_FATE;
    const record = value.startsWith(abandonedPrefix) ? value.slice(abandonedPrefix.length) : value;
    // Abandoned without a record: the fate was written by the abandonment alone (the record expired).
    return record === '' ? undefined : (JSON.parse(record) as PendingTransaction);
  }

  // Keys are hashed: an Idempotency-Key is client text of up to 255 characters. Each principal has keys
  // of its own: another customer sending the same key neither replays nor blocks this one's request.
  idempotencyKeyName(principal: string, idempotencyKey: string): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([principal, idempotencyKey]))
      .digest('hex');
    return `${this.prefix}:idempotency:${hash}`;
  }
}
