import { InvalidFilterPatternError } from './errors.js';
import type { FilterPattern } from './types.js';

/**
 * The parts of a Kafka record that filter patterns look at: `value` (and `key`) decoded as UTF-8.
 *
 * @example
 * const fields: FilterableRecord = { key: Buffer.from('acc-1'), value: Buffer.from('{"type":"Deposit"}') };
 */
export interface FilterableRecord {
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * A compiled set of filter patterns: a record passes when it matches any of them.
 *
 * @example
 * const filter = compileFilterPatterns([{ value: { type: ['DepositRequested'] } }]);
 * filter({ key: null, value: Buffer.from('{"type":"DepositRequested"}') }); // true
 */
export type RecordFilter = (record: FilterableRecord) => boolean;

/** Tests one field value (undefined = the field is absent). */
type Leaf = (value: unknown) => boolean;

/** The record fields a Kafka pattern may name. AWS documents `value` only; `key` is accepted too. */
const RECORD_FIELDS = new Set(['value', 'key']);

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/**
 * Compiles Lambda event-filtering patterns for Kafka records (`FilterCriteria.Filters[].Pattern`).
 * No pattern means every record passes. Supported: exact values (string, number, boolean, null),
 * `prefix`, `suffix`, `equals-ignore-case`, `numeric` (=, <, <=, >, >=, ranges), `exists`,
 * `anything-but` (values, or `prefix`/`suffix`/`equals-ignore-case`), nested objects; arrays in the
 * record match when any element does. Throws {@link InvalidFilterPatternError} on anything else.
 *
 * @example
 * const filter = compileFilterPatterns([{ value: { amount: [{ numeric: ['>', 100] }] } }]);
 * filter({ key: null, value: Buffer.from('{"amount":250}') }); // true
 * filter({ key: null, value: Buffer.from('not json') });      // false
 */
export function compileFilterPatterns(patterns: readonly FilterPattern[] | undefined): RecordFilter {
  if (!patterns || patterns.length === 0) return () => true;
  const compiled = patterns.map(compilePattern);
  return (record) => {
    const fields = { value: decodeField(record.value), key: decodeField(record.key) };
    return compiled.some((matches) => matches(fields));
  };
}

/**
 * A record field as the filter sees it: JSON when it parses, else the UTF-8 string; undefined when
 * the field is null or not valid UTF-8 (AWS filters only UTF-8 messages).
 */
function decodeField(bytes: Buffer | null): unknown {
  if (bytes === null) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function compilePattern(pattern: FilterPattern): (fields: Record<string, unknown>) => boolean {
  const source = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw new InvalidFilterPatternError(source, 'is not valid JSON');
    }
  }
  if (!isPlainObject(parsed) || Object.keys(parsed).length === 0) {
    throw new InvalidFilterPatternError(source, 'must be a non-empty JSON object');
  }
  for (const field of Object.keys(parsed)) {
    if (!RECORD_FIELDS.has(field)) {
      throw new InvalidFilterPatternError(
        source,
        `cannot filter on "${field}": Kafka records are filtered on "value" (and "key")`,
      );
    }
  }
  return compileNode(parsed, source);
}

/** An object node: every named field must match (AND). */
function compileNode(node: Record<string, unknown>, source: string): (data: unknown) => boolean {
  const fields = Object.entries(node).map(([name, sub]) => {
    if (Array.isArray(sub)) return { name, test: compileLeaf(sub, source) };
    if (isPlainObject(sub) && Object.keys(sub).length > 0) {
      const nested = compileNode(sub, source);
      // A nested pattern needs an object there; an array of objects matches when one element does.
      return { name, test: (value: unknown) => anyElement(value, (v) => isPlainObject(v) && nested(v)) };
    }
    throw new InvalidFilterPatternError(source, `"${name}" must be an array of values or a nested object`);
  });
  return (data) => isPlainObject(data) && fields.every(({ name, test }) => test(data[name]));
}

/** A leaf array: any matcher may match (OR). */
function compileLeaf(matchers: unknown[], source: string): Leaf {
  if (matchers.length === 0) throw new InvalidFilterPatternError(source, 'a value array must not be empty');
  const leaves = matchers.map((m) => compileMatcher(m, source));
  return (value) => leaves.some((leaf) => leaf(value));
}

function compileMatcher(matcher: unknown, source: string): Leaf {
  if (matcher === null || ['string', 'number', 'boolean'].includes(typeof matcher)) {
    return present((v) => v === matcher);
  }
  if (!isPlainObject(matcher))
    throw new InvalidFilterPatternError(source, `bad matcher ${JSON.stringify(matcher)}`);
  const entries = Object.entries(matcher);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined) {
    throw new InvalidFilterPatternError(
      source,
      `a matcher object takes one operator: ${JSON.stringify(matcher)}`,
    );
  }
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean')
        throw new InvalidFilterPatternError(source, 'exists takes true or false');
      return operand ? (v) => v !== undefined : (v) => v === undefined;
    case 'numeric':
      return present(compileNumeric(operand, source));
    case 'anything-but':
      return compileAnythingBut(operand, source);
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      return present(compileStringMatch(operator, operand, source));
    default:
      throw new InvalidFilterPatternError(source, `unsupported operator "${operator}"`);
  }
}

function compileStringMatch(operator: string, operand: unknown, source: string): Leaf {
  // prefix and suffix also take {"equals-ignore-case": "..."} to compare case-insensitively.
  let ignoreCase = operator === 'equals-ignore-case';
  let text = operand;
  if (operator !== 'equals-ignore-case' && isPlainObject(operand)) {
    const inner = Object.entries(operand);
    if (inner.length !== 1 || inner[0]?.[0] !== 'equals-ignore-case') {
      throw new InvalidFilterPatternError(
        source,
        `${operator} takes a string or {"equals-ignore-case": string}`,
      );
    }
    ignoreCase = true;
    text = inner[0][1];
  }
  if (typeof text !== 'string') throw new InvalidFilterPatternError(source, `${operator} takes a string`);
  const wanted = ignoreCase ? text.toLowerCase() : text;
  return (v) => {
    if (typeof v !== 'string') return false;
    const actual = ignoreCase ? v.toLowerCase() : v;
    if (operator === 'prefix') return actual.startsWith(wanted);
    if (operator === 'suffix') return actual.endsWith(wanted);
    return actual === wanted;
  };
}

function compileNumeric(operand: unknown, source: string): Leaf {
  const valid =
    Array.isArray(operand) &&
    (operand.length === 2 || operand.length === 4) &&
    operand.every((item, i) =>
      i % 2 === 0 ? NUMERIC_OPERATORS.has(item as string) : typeof item === 'number',
    );
  if (!valid) {
    throw new InvalidFilterPatternError(
      source,
      'numeric takes ["op", number] or ["op", number, "op", number]',
    );
  }
  const tests: Leaf[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i] as string;
    const bound = operand[i + 1] as number;
    tests.push((v) => {
      const n = v as number;
      if (op === '=') return n === bound;
      if (op === '<') return n < bound;
      if (op === '<=') return n <= bound;
      if (op === '>') return n > bound;
      return n >= bound;
    });
  }
  return (v) => typeof v === 'number' && tests.every((test) => test(v));
}

function compileAnythingBut(operand: unknown, source: string): Leaf {
  if (isPlainObject(operand)) {
    const [entry, ...rest] = Object.entries(operand);
    if (!entry || rest.length > 0 || !['prefix', 'suffix', 'equals-ignore-case'].includes(entry[0])) {
      throw new InvalidFilterPatternError(
        source,
        'anything-but takes values or one of prefix/suffix/equals-ignore-case',
      );
    }
    const inner = compileStringMatch(entry[0], entry[1], source);
    return present((v) => typeof v === 'string' && !inner(v));
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (excluded.length === 0 || !excluded.every((x) => ['string', 'number'].includes(typeof x))) {
    throw new InvalidFilterPatternError(
      source,
      'anything-but takes a string, a number or a non-empty array of them',
    );
  }
  return present((v) => !excluded.includes(v));
}

/** Wraps a value test: an absent field never matches it; an array matches when one element does. */
function present(test: Leaf): Leaf {
  return (value) => value !== undefined && anyElement(value, test);
}

function anyElement(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
