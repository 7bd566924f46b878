import { v5, validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/events/canonical-json.js';
import { CanonicalJsonError } from '../../lib/events/errors.js';
import {
  BANKU_ID_NAMESPACE,
  bankuId,
  deriveRequestId,
  randomId,
  requestFingerprint,
  requestIds,
  transferCreditEventId,
  transferRefundEventId,
} from '../../lib/events/ids.js';
import { Uuid } from '../../lib/events/primitives.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('matches the RFC 8785 (JCS) sample', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts by UTF-16 code units, as RFC 8785 requires', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"Z":3,"z":2,"é":1}');
  });

  it('leaves out undefined properties and uses toJSON, like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: new Date('2025-01-01T00:00:00.000Z') })).toBe(
      '{"b":"2025-01-01T00:00:00.000Z"}',
    );
  });

  it.each([
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['undefined in an array', [1, undefined]],
    ['undefined itself', undefined],
  ])('refuses %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
  });

  it('refuses cycles but accepts shared (acyclic) references', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('requestFingerprint', () => {
  const base = { method: 'POST', path: '/accounts/1/transfers', body: { toAccountId: 'b', amount: 5 } };

  it('is a SHA-256 hex digest', () => {
    expect(requestFingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order and the method case', () => {
    expect(requestFingerprint({ ...base, method: 'post', body: { amount: 5, toAccountId: 'b' } })).toBe(
      requestFingerprint(base),
    );
  });

  it('changes with the method, the path and any body value', () => {
    const fingerprint = requestFingerprint(base);
    expect(requestFingerprint({ ...base, method: 'PUT' })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, path: '/accounts/2/transfers' })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, body: { ...base.body, amount: 6 } })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, body: { ...base.body, amount: '5' } })).not.toBe(fingerprint);
  });

  it('treats a missing body as null', () => {
    expect(requestFingerprint({ method: 'GET', path: '/x' })).toBe(
      requestFingerprint({ method: 'GET', path: '/x', body: null }),
    );
  });
});

describe('deterministic ids', () => {
  const fingerprint = requestFingerprint({
    method: 'POST',
    path: '/accounts',
    body: { name: 'A', currency: 'EUR' },
  });

  it('keeps the Banku namespace fixed (changing it would break deduplication of retries)', () => {
    expect(BANKU_ID_NAMESPACE).toBe('2d7651eb-c724-478a-b83c-f4a9018c0a92');
    // Golden values computed independently (Python's uuid.uuid5) with the same namespace and names.
    const transfer = '00000000-0000-4000-8000-000000000000';
    expect(transferCreditEventId(transfer)).toBe('e1780733-4008-5cd7-aa65-2c9510fdcdb9');
    expect(transferRefundEventId(transfer)).toBe('904e9081-6ff4-5abe-af56-1dfbd81b2d49');
  });

  it('derives the same v5 id for the same key, kind and fingerprint', () => {
    const eventId = deriveRequestId('event', 'key-1', fingerprint);
    expect(deriveRequestId('event', 'key-1', fingerprint)).toBe(eventId);
    expect(version(eventId)).toBe(5);
    expect(Uuid.safeParse(eventId).success).toBe(true);
  });

  it('derives different ids for different kinds, keys or requests', () => {
    const ids = new Set([
      deriveRequestId('event', 'key-1', fingerprint),
      deriveRequestId('transaction', 'key-1', fingerprint),
      deriveRequestId('account', 'key-1', fingerprint),
      deriveRequestId('event', 'key-2', fingerprint),
      deriveRequestId('event', 'key-1', requestFingerprint({ method: 'POST', path: '/accounts', body: {} })),
    ]);
    expect(ids.size).toBe(5);
  });

  it('requestIds: derived and stable with a key, random without one', () => {
    const keyed = requestIds({ idempotencyKey: 'key-1', fingerprint });
    expect(requestIds({ idempotencyKey: 'key-1', fingerprint })).toEqual(keyed);
    expect(keyed.eventId).toBe(deriveRequestId('event', 'key-1', fingerprint));
    expect(keyed.transactionId).toBe(deriveRequestId('transaction', 'key-1', fingerprint));
    expect(keyed.accountId).toBe(deriveRequestId('account', 'key-1', fingerprint));

    const first = requestIds({ idempotencyKey: null, fingerprint });
    const second = requestIds({ idempotencyKey: null, fingerprint });
    expect(new Set([...Object.values(first), ...Object.values(second)]).size).toBe(6);
    for (const value of Object.values(first)) expect(version(value)).toBe(4);
  });

  it('randomId is a fresh v4 uuid', () => {
    const value = randomId();
    expect(validate(value) && version(value)).toBe(4);
    expect(randomId()).not.toBe(value);
  });

  it('saga ids: stable per transfer, different for credit and refund and for different transfers', () => {
    const transfer = '6f1c1b0e-8a43-4a3c-9a51-6a7a8d2f1e11';
    expect(transferCreditEventId(transfer)).toBe(transferCreditEventId(transfer));
    expect(transferRefundEventId(transfer)).toBe(transferRefundEventId(transfer));
    expect(transferCreditEventId(transfer)).not.toBe(transferRefundEventId(transfer));
    expect(transferCreditEventId(transfer)).not.toBe(
      transferCreditEventId('6f1c1b0e-8a43-4a3c-9a51-6a7a8d2f1e12'),
    );
    expect(version(transferRefundEventId(transfer))).toBe(5);
  });

  it('bankuId is the uuid library’s v5 in the Banku namespace, for any name', () => {
    const names = [
      '',
      'credit:',
      'fact:6f1c1b0e-8a43-4a3c-9a51-6a7a8d2f1e11:Deposited',
      'é€😀\u0000\n',
      'x'.repeat(300),
    ];
    for (let i = 0; i < 500; i += 1)
      names.push(`event:${randomId()}:${String.fromCodePoint(32 + ((i * 7919) % 0x2fff))}${i}`);
    for (const name of names) expect(bankuId(name), name).toBe(v5(name, BANKU_ID_NAMESPACE));
  });
});
