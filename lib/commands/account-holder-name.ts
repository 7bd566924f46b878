import { z } from 'zod';
import { AccountName } from '../events/primitives.js';

// Characters no name needs and that change how text around them reads or is stored, checked by name so
// the refusal can say which one it found.
const FORBIDDEN: { pattern: RegExp; what: string }[] = [
  { pattern: /\p{Cc}/u, what: 'a control character (such as NUL, TAB, CR, LF or ESC)' },
  { pattern: /[\u2028\u2029]/u, what: 'a line or paragraph separator' },
  {
    pattern: /\p{Bidi_Control}/u,
    what: 'a bidirectional formatting character (override, embedding, isolate or mark)',
  },
  { pattern: /\p{Noncharacter_Code_Point}/u, what: 'a Unicode noncharacter' },
];

// With the `u` flag, \p{Cs} matches only a surrogate without its partner: a pair is one code point.
const LONE_SURROGATE = /\p{Cs}/u;

// Invisible characters (white space, zero-width and other default-ignorable ones) have no meaning
// before the first visible character, nor at the end, except the selectors and tags that modify the
// character before them (an emoji's U+FE0F, a flag's tag sequence).
const LEADING_INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]+/u;
const TRAILING_INVISIBLE =
  /(?:(?!\p{Variation_Selector}|[\u{e0020}-\u{e007f}])[\p{White_Space}\p{Default_Ignorable_Code_Point}])+$/u;

const codePoint = (character: string) =>
  `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The name a client gives a new account, as the door accepts it: Unicode NFC, without invisible
 * characters at either end, 1–100 characters. Refused with a message naming the character found: lone
 * UTF-16 surrogates, control characters (NUL, TAB, CR, LF, ESC, …), line separators, bidirectional
 * formatting characters (the "Trojan Source" overrides and isolates) and noncharacters; and a name with
 * nothing visible in it.
 *
 * Stricter than the event schema's `AccountName`, which also reads events already in the log: a rule
 * tightened at the door never makes history unreadable.
 *
 * @example
 * ```ts
 * AccountHolderName.parse('\u200b Zoe\u0308 '); // 'Zoë' (NFC: one code point for ë)
 * AccountHolderName.safeParse('Ada\u202eecalevol').success; // false
 * ```
 */
export const AccountHolderName = z
  .string()
  .transform((raw, context) => {
    if (LONE_SURROGATE.test(raw)) {
      context.addIssue({
        code: 'custom',
        message: 'must be valid Unicode: it holds half of a UTF-16 surrogate pair without the other half',
      });
      return z.NEVER;
    }
    for (const { pattern, what } of FORBIDDEN) {
      const found = pattern.exec(raw)?.[0];
      if (found !== undefined) {
        context.addIssue({ code: 'custom', message: `must not contain ${what}; found ${codePoint(found)}` });
        return z.NEVER;
      }
    }
    const name = raw.normalize('NFC').replace(LEADING_INVISIBLE, '').replace(TRAILING_INVISIBLE, '');
    if (name === '') {
      context.addIssue({
        code: 'custom',
        message:
          'must contain a visible character (white space and zero-width characters alone are not a name)',
      });
      return z.NEVER;
    }
    return name;
  })
  .pipe(AccountName);
