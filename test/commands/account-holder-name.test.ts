import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccountHolderName } from '../../lib/commands/account-holder-name.js';
import { OpenAccountBody } from '../../lib/commands/request-schemas.js';
import { encodeEvent } from '../../lib/events/codec.js';
import { createEvent } from '../../lib/events/create-event.js';
import { luaJson } from '../../lib/redis/lua-json.js';
import { HOLDER } from '../support/bank-events.js';
import { nastyString } from '../support/nasty-input.js';

const refusal = (name: string) => {
  const result = OpenAccountBody.safeParse({ name });
  return result.success ? undefined : result.error.issues.map((issue) => issue.message).join('; ');
};
const accepted = (name: string) => {
  const result = OpenAccountBody.safeParse({ name });
  if (!result.success) throw new Error(`refused ${JSON.stringify(name)}: ${result.error.message}`);
  return result.data.name;
};

describe('an account holder name at the door', () => {
  it('is stored in NFC, without white space or zero-width characters at either end', () => {
    expect(accepted('  Ada Lovelace ')).toBe('Ada Lovelace');
    expect(accepted('Zoe\u0308')).toBe('Zo\u00eb');
    expect(accepted('\u200b\ufeffGrace\u200b\u00a0')).toBe('Grace');
    expect(accepted('Ana\u00ad')).toBe('Ana');
  });

  it('keeps the characters a visible name is made of: scripts, emoji sequences, joiners inside a word', () => {
    for (const name of [
      'José Müller',
      '李小龙',
      'محمد',
      'दीपक',
      'Ada ❤\ufe0f',
      'Dev 👩\u200d💻',
      'Fan 🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}',
      'می\u200cخواهم',
    ]) {
      expect(accepted(name)).toBe(name.normalize('NFC'));
    }
  });

  it.each([
    ['a NUL', 'Ada\u0000', /control character.*U\+0000/],
    ['an ESC sequence', '\u001b[31mAda', /control character.*U\+001B/],
    ['CR LF', 'Ada\r\nBcc: x', /control character.*U\+000D/],
    ['a TAB', 'Ada\tLovelace', /control character.*U\+0009/],
    ['a C1 control', 'Ada\u0085', /control character.*U\+0085/],
    ['a line separator', 'Ada\u2028', /line or paragraph separator.*U\+2028/],
    ['a right-to-left override', 'Ada\u202eecalevol', /bidirectional.*U\+202E/],
    ['a bidi isolate', '\u2066Ada\u2069', /bidirectional.*U\+2066/],
    ['a right-to-left mark', 'Ada\u200f', /bidirectional.*U\+200F/],
    ['a noncharacter', 'Ada\uffff', /noncharacter.*U\+FFFF/],
    ['a lone high surrogate', '\ud800', /surrogate/],
    ['a lone low surrogate', 'Ada\udc00', /surrogate/],
    ['only zero-width characters', '\u200b\u200c\u200d\u2060\ufeff', /visible/],
    ['only a Hangul filler', '\u3164', /visible/],
    ['only a variation selector', '\ufe0f', /visible/],
    ['nothing', '', /visible/],
    ['101 characters', 'x'.repeat(101), /100/],
  ])('is refused when it holds %s, and the message names it', (_, name, message) => {
    expect(refusal(name)).toMatch(message);
  });

  it('accepts only what the event log and the projection script accept, and is stable', () => {
    fc.assert(
      fc.property(nastyString, (raw) => {
        const result = AccountHolderName.safeParse(raw);
        if (!result.success) {
          expect(result.error.issues.length).toBeGreaterThan(0);
          return;
        }
        const name = result.data;
        expect(name).toBe(name.normalize('NFC'));
        expect(name).not.toMatch(
          /\p{Cc}|\p{Cs}|\p{Bidi_Control}|\p{Noncharacter_Code_Point}|[\u2028\u2029]/u,
        );
        expect(name.trim()).toBe(name);
        expect(name.length).toBeGreaterThanOrEqual(1);
        expect(name.length).toBeLessThanOrEqual(100);
        expect(AccountHolderName.parse(name)).toBe(name);
        const event = createEvent<'AccountOpenRequested'>({
          eventId: '00000000-0000-4000-8000-000000000001',
          type: 'AccountOpenRequested',
          accountId: '00000000-0000-4000-8000-000000000002',
          occurredAt: '2026-01-01T00:00:00.000Z',
          data: {
            transactionId: '00000000-0000-4000-8000-000000000003',
            name,
            currency: 'USD',
            principal: HOLDER,
          },
          metadata: { correlationId: 'c', causationId: null, idempotencyKey: null },
        });
        expect(() => encodeEvent(event)).not.toThrow();
        expect(luaJson({ name })).toMatch(/^[\x20-\x7f]*$/);
      }),
      { numRuns: 5_000 },
    );
  });
});
