import { CanonicalJsonError } from './errors.js';

// Hand-written because adding a dependency is the lead's call; the output is RFC 8785 (JCS) for JSON values
// (keys sorted by UTF-16 code units, ECMAScript number and string serialisation), the same as the `canonicalize`
// npm package, so either can replace the other without changing any derived id.
function write(value: unknown, ancestors: object[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalJsonError(`cannot canonicalise non-finite number ${value}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(`cannot canonicalise a value of type ${typeof value}`);
  }
  const object = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof object.toJSON === 'function') return write(object.toJSON(), ancestors);
  if (ancestors.includes(object)) throw new CanonicalJsonError('cannot canonicalise a cyclic structure');
  const inner = [...ancestors, object];
  if (Array.isArray(object)) {
    return `[${object
      .map((item) => {
        if (item === undefined) throw new CanonicalJsonError('cannot canonicalise undefined inside an array');
        return write(item, inner);
      })
      .join(',')}]`;
  }
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${write(object[key], inner)}`);
  return `{${members.join(',')}}`;
}

/**
 * Serialises a JSON value canonically (RFC 8785 / JCS): object keys sorted, no whitespace, so equal values give
 * equal strings whatever their key order. Object properties that are `undefined` are left out, as in
 * `JSON.stringify`; values JSON cannot hold faithfully throw {@link CanonicalJsonError}.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new CanonicalJsonError('cannot canonicalise undefined');
  return write(value, []);
}
