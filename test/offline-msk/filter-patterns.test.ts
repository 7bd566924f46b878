import { describe, expect, it } from 'vitest';
import { InvalidFilterPatternError } from '../../localstack/offline-msk/errors.js';
import { compileFilterPatterns } from '../../localstack/offline-msk/filter-patterns.js';
import type { FilterPattern } from '../../localstack/offline-msk/types.js';

function matches(patterns: FilterPattern[], value: unknown, key: string | null = null): boolean {
  const bytes = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  return compileFilterPatterns(patterns)({ key: key === null ? null : Buffer.from(key), value: bytes });
}

function matchesText(patterns: FilterPattern[], text: string): boolean {
  return compileFilterPatterns(patterns)({ key: null, value: Buffer.from(text) });
}

describe('compileFilterPatterns', () => {
  it('lets everything through without patterns', () => {
    expect(compileFilterPatterns(undefined)({ key: null, value: null })).toBe(true);
    expect(compileFilterPatterns([])({ key: null, value: Buffer.from('x') })).toBe(true);
  });

  it('matches exact values of JSON fields, nested fields and arrays', () => {
    const patterns = [{ value: { type: ['Deposit', 'Withdrawal'], meta: { source: ['api'] } } }];
    expect(matches(patterns, { type: 'Deposit', meta: { source: 'api' } })).toBe(true);
    expect(matches(patterns, { type: 'Transfer', meta: { source: 'api' } })).toBe(false);
    expect(matches(patterns, { type: 'Deposit', meta: { source: 'batch' } })).toBe(false);
    expect(matches(patterns, { type: 'Deposit' })).toBe(false);
    expect(matches([{ value: { tags: ['vip'] } }], { tags: ['new', 'vip'] })).toBe(true);
    expect(matches([{ value: { n: [5], b: [true], z: [null] } }], { n: 5, b: true, z: null })).toBe(true);
    expect(matches([{ value: { n: [5] } }], { n: '5' })).toBe(false);
  });

  it('supports prefix, suffix and equals-ignore-case', () => {
    expect(matches([{ value: { id: [{ prefix: 'AB' }] } }], { id: 'AB1234' })).toBe(true);
    expect(matches([{ value: { id: [{ prefix: 'AB' }] } }], { id: 'ab1234' })).toBe(false);
    expect(matches([{ value: { id: [{ prefix: { 'equals-ignore-case': 'ab' } }] } }], { id: 'AB1' })).toBe(
      true,
    );
    expect(matches([{ value: { file: [{ suffix: '.png' }] } }], { file: 'a.png' })).toBe(true);
    expect(matches([{ value: { c: [{ 'equals-ignore-case': 'EUR' }] } }], { c: 'eur' })).toBe(true);
    expect(matches([{ value: { id: [{ prefix: 'AB' }] } }], { id: 12 })).toBe(false);
  });

  it('supports numeric comparisons and ranges on numbers only', () => {
    const range = [{ value: { amount: [{ numeric: ['>', 0, '<=', 100] }] } }];
    expect(matches(range, { amount: 100 })).toBe(true);
    expect(matches(range, { amount: 0 })).toBe(false);
    expect(matches(range, { amount: 100.5 })).toBe(false);
    expect(matches(range, { amount: '50' })).toBe(false);
    expect(matches([{ value: { amount: [{ numeric: ['=', 3] }] } }], { amount: 3.0 })).toBe(true);
  });

  it('supports exists and does-not-exist', () => {
    expect(matches([{ value: { error: [{ exists: true }] } }], { error: 'x' })).toBe(true);
    expect(matches([{ value: { error: [{ exists: true }] } }], { other: 1 })).toBe(false);
    expect(matches([{ value: { error: [{ exists: false }] } }], { other: 1 })).toBe(true);
    expect(matches([{ value: [{ exists: false }] }], null)).toBe(true); // a tombstone has no value
  });

  it('supports anything-but with values, prefix and on absent fields', () => {
    const notError = [{ value: { level: [{ 'anything-but': ['error', 'fatal'] }] } }];
    expect(matches(notError, { level: 'info' })).toBe(true);
    expect(matches(notError, { level: 'error' })).toBe(false);
    expect(matches(notError, {})).toBe(false);
    expect(matches([{ value: { n: [{ 'anything-but': 5 }] } }], { n: 6 })).toBe(true);
    expect(matches([{ value: { id: [{ 'anything-but': { prefix: 'test-' } }] } }], { id: 'test-1' })).toBe(
      false,
    );
    expect(matches([{ value: { id: [{ 'anything-but': { prefix: 'test-' } }] } }], { id: 'prod-1' })).toBe(
      true,
    );
  });

  it('filters plain-string values as AWS documents', () => {
    const patterns = [{ value: [{ 'anything-but': ['error'] }] }];
    expect(matchesText(patterns, 'error')).toBe(false);
    expect(matchesText(patterns, 'all good')).toBe(true);
    expect(matchesText([{ value: { a: [1] } }], 'not json')).toBe(false);
    expect(matchesText([{ value: [{ prefix: 'Hello' }] }], 'Hello, this is a test.')).toBe(true);
  });

  it('never matches a value that is not UTF-8', () => {
    const invalid = Buffer.from([0xff, 0xfe, 0xfd]);
    expect(matches([{ value: [{ exists: true }] }], invalid)).toBe(false);
  });

  it('ORs patterns, ANDs fields, and accepts patterns as JSON strings', () => {
    const patterns: FilterPattern[] = [
      '{"value":{"type":["Deposit"]}}',
      { value: { amount: [{ numeric: ['>', 100] }] } },
    ];
    expect(matches(patterns, { type: 'Deposit', amount: 1 })).toBe(true);
    expect(matches(patterns, { type: 'Withdrawal', amount: 500 })).toBe(true);
    expect(matches(patterns, { type: 'Withdrawal', amount: 5 })).toBe(false);
    expect(
      matches([{ value: { type: ['Deposit'], amount: [{ numeric: ['>', 100] }] } }], {
        type: 'Deposit',
        amount: 1,
      }),
    ).toBe(false);
  });

  it('filters on the key too (decoded as UTF-8)', () => {
    expect(matches([{ key: [{ prefix: 'acc-' }] }], {}, 'acc-1')).toBe(true);
    expect(matches([{ key: [{ prefix: 'acc-' }] }], {}, 'usr-1')).toBe(false);
    expect(matches([{ key: [{ exists: false }] }], {}, null)).toBe(true);
  });

  it.each([
    ['not JSON', '{value'],
    ['an empty pattern', {}],
    ['a field other than value or key', { topic: ['x'] }],
    ['an empty value list', { value: { a: [] } }],
    ['an unsupported operator', { value: { a: [{ wildcard: 'x*' }] } }],
    ['a bad numeric', { value: { a: [{ numeric: ['>', 'x'] }] } }],
    ['a non-boolean exists', { value: { a: [{ exists: 'yes' }] } }],
    ['a leaf that is a scalar', { value: { a: 'x' } }],
  ])('rejects %s', (_what, pattern) => {
    expect(() => compileFilterPatterns([pattern as FilterPattern])).toThrow(InvalidFilterPatternError);
  });
});
