import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../lib/events/codec.js';
import { EventValidationError } from '../../lib/events/errors.js';
import { MAX_AMOUNT } from '../../lib/events/primitives.js';
import { SUPPORTED_SCHEMA_VERSIONS } from '../../lib/events/schema-versions.js';
import type { BankEvent, DecodeFailureReason } from '../../lib/events/types.js';
import {
  creditRequest,
  depositRequest,
  id,
  openRequest,
  refundRequest,
  transferRequest,
  withdrawalRequest,
} from './fixtures.js';

const alice = id('alice');
const bob = id('bob');

const samples: BankEvent[] = [
  openRequest(alice, { name: 'Alice', currency: 'SEK' }),
  depositRequest(alice, 1),
  withdrawalRequest(alice, MAX_AMOUNT),
  transferRequest(alice, bob, 500, { correlationId: 'req-7' }),
  creditRequest(bob, alice, 500, { currency: 'SEK' }),
  refundRequest(alice, bob, 500, { reason: 'balance_limit_exceeded' }),
];

// The tests corrupt arbitrary fields of a JSON document on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawJson = Record<string, any>;

/** A valid event as plain JSON, with one change applied. */
function mutated(change: (raw: RawJson) => void, base: BankEvent = depositRequest(alice, 100)): string {
  const raw = JSON.parse(encodeEvent(base));
  change(raw);
  return JSON.stringify(raw);
}

function failure(input: Parameters<typeof decodeEvent>[0]): { reason: DecodeFailureReason; message: string } {
  const result = decodeEvent(input);
  if (result.ok) throw new Error(`expected a failure, decoded ${result.event.type}`);
  return { reason: result.reason, message: result.message };
}

describe('encodeEvent / decodeEvent round trip', () => {
  it.each(samples.map((event) => [event.type, event] as const))(
    '%s survives encode → decode',
    (_type, event) => {
      const text = encodeEvent(event);
      expect(decodeEvent(text)).toEqual({ ok: true, event });
      expect(decodeEvent(Buffer.from(text, 'utf8'))).toEqual({ ok: true, event });
      expect(decodeEvent(new TextEncoder().encode(text))).toEqual({ ok: true, event });
    },
  );

  it('keeps non-ASCII names intact through bytes', () => {
    const event = openRequest(alice, { name: 'Zoë Ünal 山田' });
    const result = decodeEvent(Buffer.from(encodeEvent(event)));
    expect(result.ok && result.event.type === 'AccountOpenRequested' && result.event.data.name).toBe(
      'Zoë Ünal 山田',
    );
  });

  it('trims names on the way in', () => {
    const result = decodeEvent(mutated((raw) => (raw.data.name = '  Bob  '), openRequest(bob)));
    expect(result.ok && result.event.type === 'AccountOpenRequested' && result.event.data.name).toBe('Bob');
  });

  it('drops fields the schema does not know (tolerant reader)', () => {
    const result = decodeEvent(mutated((raw) => (raw.extra = { nested: true })));
    expect(result.ok).toBe(true);
    expect(result.ok && 'extra' in result.event).toBe(false);
  });

  it('accepts a numeric offset in occurredAt', () => {
    expect(decodeEvent(mutated((raw) => (raw.occurredAt = '2025-01-31T12:00:00+02:00'))).ok).toBe(true);
  });
});

describe('decodeEvent failures (never throws)', () => {
  it.each([
    ['truncated JSON', '{"eventId":'],
    ['an empty string', ''],
    ['plain text', 'hello'],
    ['a tombstone (null value)', null],
    ['an undefined value', undefined],
  ])('malformed_json for %s', (_label, input) => {
    expect(failure(input).reason).toBe('malformed_json');
  });

  it('malformed_json for bytes that are not UTF-8', () => {
    expect(failure(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))).toEqual({
      reason: 'malformed_json',
      message: 'message value is not valid UTF-8',
    });
  });

  it.each([['42'], ['"text"'], ['null'], ['[]'], ['true']])(
    'schema_violation for the non-object %s',
    (input) => {
      expect(failure(input).reason).toBe('schema_violation');
    },
  );

  it('unknown_type for a v1 event of a type this build does not know', () => {
    const result = failure(mutated((raw) => (raw.type = 'AccountClosed')));
    expect(result.reason).toBe('unknown_type');
    expect(result.message).toContain('AccountClosed');
  });

  it.each([[2], [0], [99], [1.5]])('unsupported_schema_version for schemaVersion %s', (version) => {
    const result = failure(mutated((raw) => (raw.schemaVersion = version)));
    expect(result.reason).toBe('unsupported_schema_version');
    expect(result.message).toContain(String(version));
  });

  it('reports a newer version before an unknown type (a newer producer may add types)', () => {
    expect(
      failure(mutated((raw) => Object.assign(raw, { schemaVersion: 2, type: 'AccountFrozen' }))).reason,
    ).toBe('unsupported_schema_version');
  });

  it('only knows version 1 today', () => {
    expect(SUPPORTED_SCHEMA_VERSIONS).toEqual([1]);
  });

  const violations: [string, (raw: RawJson) => void, string, BankEvent?][] = [
    ['schemaVersion as a string', (raw) => (raw.schemaVersion = '1'), 'schemaVersion'],
    ['schemaVersion missing', (raw) => delete raw.schemaVersion, 'schemaVersion'],
    ['type missing', (raw) => delete raw.type, 'type'],
    ['type not a string', (raw) => (raw.type = 7), 'type'],
    ['amount 0', (raw) => (raw.data.amount = 0), 'data.amount'],
    ['negative amount', (raw) => (raw.data.amount = -5), 'data.amount'],
    ['fractional amount', (raw) => (raw.data.amount = 1.5), 'data.amount'],
    ['amount above 10^12', (raw) => (raw.data.amount = MAX_AMOUNT + 1), 'data.amount'],
    ['amount as a string', (raw) => (raw.data.amount = '100'), 'data.amount'],
    ['eventId not a uuid', (raw) => (raw.eventId = 'evt-1'), 'eventId'],
    ['accountId not a uuid', (raw) => (raw.accountId = 'acct'), 'accountId'],
    ['transactionId missing', (raw) => delete raw.data.transactionId, 'data.transactionId'],
    ['occurredAt not ISO-8601', (raw) => (raw.occurredAt = 'yesterday'), 'occurredAt'],
    ['metadata missing', (raw) => delete raw.metadata, 'metadata'],
    ['correlationId empty', (raw) => (raw.metadata.correlationId = ''), 'metadata.correlationId'],
    ['lower-case currency', (raw) => (raw.data.currency = 'eur'), 'data.currency', openRequest(alice)],
    ['four-letter currency', (raw) => (raw.data.currency = 'EURO'), 'data.currency', openRequest(alice)],
    ['blank name', (raw) => (raw.data.name = '   '), 'data.name', openRequest(alice)],
    ['name of 101 characters', (raw) => (raw.data.name = 'x'.repeat(101)), 'data.name', openRequest(alice)],
    [
      'transfer without destination',
      (raw) => delete raw.data.toAccountId,
      'data.toAccountId',
      transferRequest(alice, bob, 1),
    ],
    [
      'credit without currency',
      (raw) => delete raw.data.currency,
      'data.currency',
      creditRequest(bob, alice, 1),
    ],
    [
      'credit without a cause',
      (raw) => (raw.metadata.causationId = null),
      'metadata.causationId',
      creditRequest(bob, alice, 1),
    ],
    [
      'refund with an unknown reason',
      (raw) => (raw.data.reason = 'nope'),
      'data.reason',
      refundRequest(alice, bob, 1),
    ],
    ['data for another type', (raw) => (raw.type = 'TransferRequested'), 'data.toAccountId'],
  ];

  it.each(violations)('schema_violation for %s, naming the field', (_label, change, path, base) => {
    const result = failure(mutated(change, base));
    expect(result.reason).toBe('schema_violation');
    expect(result.message).toContain(path);
  });

  it('accepts the boundaries: amount 1 and 10^12, a name of exactly 100 characters after trimming', () => {
    expect(decodeEvent(mutated((raw) => (raw.data.amount = 1))).ok).toBe(true);
    expect(decodeEvent(mutated((raw) => (raw.data.amount = MAX_AMOUNT))).ok).toBe(true);
    expect(
      decodeEvent(mutated((raw) => (raw.data.name = ` ${'x'.repeat(100)} `), openRequest(alice))).ok,
    ).toBe(true);
  });

  it('never throws on arbitrary corruptions of a valid message (seeded fuzz)', () => {
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const reasons = new Set<string>();
    for (const event of samples) {
      const bytes = Buffer.from(encodeEvent(event));
      for (let round = 0; round < 300; round += 1) {
        const copy = Buffer.from(bytes);
        const edits = 1 + Math.floor(random() * 4);
        for (let edit = 0; edit < edits; edit += 1) {
          copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
        }
        const cut = random() < 0.2 ? copy.subarray(0, Math.floor(random() * copy.length)) : copy;
        const result = decodeEvent(cut);
        reasons.add(result.ok ? 'ok' : result.reason);
      }
    }
    expect(
      [...reasons].every((reason) =>
        ['ok', 'malformed_json', 'schema_violation', 'unknown_type', 'unsupported_schema_version'].includes(
          reason,
        ),
      ),
    ).toBe(true);
    expect(reasons.has('malformed_json')).toBe(true);
    expect(reasons.has('schema_violation')).toBe(true);
  });
});

describe('encodeEvent validation', () => {
  it('refuses to serialise an invalid event, listing the issues', () => {
    const valid = depositRequest(alice, 100);
    const event = { ...valid, data: { ...valid.data, transactionId: id('tx'), amount: 0 } };
    expect(() => encodeEvent(event)).toThrow(EventValidationError);
    try {
      encodeEvent(event);
    } catch (error) {
      expect((error as EventValidationError).issues).toEqual([expect.stringContaining('data.amount')]);
    }
  });

  it('drops fields that are not in the schema', () => {
    const event = { ...depositRequest(alice, 100), debug: 'x' } as BankEvent;
    expect(JSON.parse(encodeEvent(event))).not.toHaveProperty('debug');
  });
});
