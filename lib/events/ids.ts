import { createHash } from 'node:crypto';
import { v4 } from 'uuid';
import { canonicalJson } from './canonical-json.js';

/**
 * The fixed UUID v5 namespace of every Banku-derived id. Never change it: every id derived from an
 * idempotency key or a transfer would change with it, and retried requests would no longer deduplicate.
 *
 * @example
 * v5('credit:' + transferEventId, BANKU_ID_NAMESPACE);
 */
export const BANKU_ID_NAMESPACE = '2d7651eb-c724-478a-b83c-f4a9018c0a92';

const NAMESPACE_BYTES = Buffer.from(BANKU_ID_NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * The UUID v5 of `name` in {@link BANKU_ID_NAMESPACE} (RFC 9562: SHA-1 of the namespace and the name,
 * version and variant bits set). Written here rather than taken from `uuid`'s `v5`, which turns the
 * name into bytes in JavaScript before hashing and took about three times as long; the projector derives
 * one per fact. `test/domain/ids.test.ts` holds it to `uuid`'s `v5`.
 *
 * @example
 * bankuId('credit:' + transferEventId); // === v5('credit:' + transferEventId, BANKU_ID_NAMESPACE)
 */
export function bankuId(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Which id of a request is being derived; part of the v5 name so the ids of one request differ from each other.
 *
 * @example
 * deriveRequestId('transaction', key, fingerprint);
 */
export type RequestIdKind = 'event' | 'transaction' | 'account';

/**
 * What makes two HTTP requests "the same request" for idempotency.
 *
 * @example
 * const request: FingerprintInput = { method: 'POST', path: '/accounts/…/deposits', body: { amount: 500 } };
 */
export interface FingerprintInput {
  /** HTTP method; compared case-insensitively. */
  readonly method: string;
  /** Routed path without the query string, exactly as received (no normalisation). */
  readonly path: string;
  /** Parsed JSON body; `undefined` (no body) counts as `null`. */
  readonly body?: unknown;
  /** Subject of the caller: the same key and body sent by another principal is another request. */
  readonly principal?: string;
}

/**
 * Stable hash of a request: SHA-256 (hex) of the canonical JSON of `{ method, path, body, principal? }`, so key order and
 * whitespace in the body do not matter but every value does.
 *
 * @example
 * requestFingerprint({ method: 'post', path: '/accounts', body: { currency: 'EUR', name: 'Ada' } });
 * // === requestFingerprint({ method: 'POST', path: '/accounts', body: { name: 'Ada', currency: 'EUR' } })
 */
export function requestFingerprint(input: FingerprintInput): string {
  const canonical = canonicalJson({
    method: input.method.toUpperCase(),
    path: input.path,
    body: input.body === undefined ? null : input.body,
    ...(input.principal === undefined ? {} : { principal: input.principal }),
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * Derives one id of a request sent with an Idempotency-Key: v5(`<kind>:<idempotencyKey>:<fingerprint>`).
 * Retrying the same request with the same key yields the same ids; the same key on a different request does not.
 * (The kind has no `:` and the fingerprint is fixed-length hex, so distinct inputs give distinct names.)
 *
 * @example
 * deriveRequestId('event', 'order-4711', requestFingerprint(request));
 */
export function deriveRequestId(kind: RequestIdKind, idempotencyKey: string, fingerprint: string): string {
  return bankuId(`${kind}:${idempotencyKey}:${fingerprint}`);
}

/**
 * A fresh random (v4) id, for requests without an Idempotency-Key.
 *
 * @example
 * const eventId = randomId();
 */
export function randomId(): string {
  return v4();
}

/**
 * The ids a request needs.
 *
 * @example
 * const { eventId, transactionId, accountId }: RequestIds = requestIds({ idempotencyKey: null, fingerprint });
 */
export interface RequestIds {
  readonly eventId: string;
  readonly transactionId: string;
  /** Only meaningful for account opening; other requests take the account id from the path. */
  readonly accountId: string;
}

/**
 * All ids of a request: derived from the key and fingerprint when there is a key, random otherwise.
 *
 * @example
 * const ids = requestIds({ idempotencyKey: headers['idempotency-key'] ?? null, fingerprint: requestFingerprint(req) });
 */
export function requestIds(input: { idempotencyKey: string | null; fingerprint: string }): RequestIds {
  const { idempotencyKey, fingerprint } = input;
  const id = (kind: RequestIdKind) =>
    idempotencyKey === null ? randomId() : deriveRequestId(kind, idempotencyKey, fingerprint);
  return { eventId: id('event'), transactionId: id('transaction'), accountId: id('account') };
}

/**
 * Event id of the `TransferCreditRequested` that follows a debited transfer: v5(`credit:<transfer eventId>`),
 * so republishing it (outbox retry, replay) yields the same event.
 *
 * @example
 * transferCreditEventId(transfer.eventId);
 */
export function transferCreditEventId(transferEventId: string): string {
  return bankuId(`credit:${transferEventId}`);
}

/**
 * Event id of the `TransferRefundRequested` that follows a rejected credit: v5(`refund:<transfer eventId>`).
 *
 * @example
 * transferRefundEventId(transfer.eventId);
 */
export function transferRefundEventId(transferEventId: string): string {
  return bankuId(`refund:${transferEventId}`);
}

/**
 * Id of a fact: v5(`fact:<request eventId>:<fact type>`). The same decision always has the same id, so a
 * fact published twice (an outbox retry, an overlapping invocation) is recognised by every consumer, and a
 * request can never be recorded twice as the same kind of fact.
 *
 * @example
 * factId(deposit.eventId, 'Deposited');
 */
export function factId(requestEventId: string, factType: string): string {
  return bankuId(`fact:${requestEventId}:${factType}`);
}
