import fc from 'fast-check';

// Characters that broke, or could break, something downstream: controls, bidi and zero-width
// characters, separators, noncharacters, combining marks, JSON and URL metacharacters.
const TROUBLEMAKERS = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\r',
  '\n',
  '\t',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00ad',
  '\u034f',
  '\u061c',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u202a',
  '\u202e',
  '\u2028',
  '\u2029',
  '\u2060',
  '\u2066',
  '\u2069',
  '\u3164',
  '\ufe0f',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  'e\u0301',
  '\u{1f600}',
  '\u{e0067}',
  '"',
  '\\',
  '/',
  '%',
  '{',
  '}',
  '[',
  ']',
  ':',
  ' ',
];

/** One UTF-16 code unit from the surrogate range, alone: valid in a JS string, not in UTF-8. */
export const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((unit) => String.fromCharCode(unit));

const unit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...TROUBLEMAKERS) },
  { weight: 1, arbitrary: loneSurrogate },
);

/**
 * Any JS string, biased towards what breaks text handling: every Unicode plane, lone surrogates,
 * controls, bidi and zero-width characters, JSON metacharacters. Up to 120 units, past the name limit.
 */
export const nastyString = fc.string({ unit, maxLength: 120 });

/** Numbers at and past the edges an amount or a limit has. */
export const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    1.5,
    1e-7,
    999_999_999_999,
    1_000_000_000_000,
    1_000_000_000_001,
    2 ** 31,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    1e21,
    1e308,
    5e-324,
  ),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/**
 * JSON number literals as raw text, including ones `JSON.stringify` never writes: `1e400` parses to
 * Infinity, `-0`, `1.0`, `1E3`.
 */
export const numberLiteral = fc.oneof(
  edgeNumber.map((value) => JSON.stringify(value)),
  fc.constantFrom('1e400', '-1e400', '-0', '1.0', '1E3', '1e-400', '100.000000000000001', '1000000000000.0'),
);

/** Any JSON value for a field meant to hold something else: strings, numbers, null, booleans, nesting. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 3, arbitrary: edgeNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 2 }) },
);

/**
 * A header value an HTTP client can send: Latin-1 without the controls HTTP forbids (a client library
 * refuses anything else before it reaches the wire), including the non-ASCII half a server may see.
 */
export const headerValue = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 300,
});
