import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luaJson } from '../../lib/redis/lua-json.js';
import { loneSurrogate, nastyString } from '../support/nasty-input.js';
import { testRedis } from '../support/redis.js';

// Decodes in Redis's Lua and hands each string back: what a projection script would store.
const ROUND_TRIP_LUA = `
local value = cjson.decode(ARGV[1])
return { value.name, value.nested.history[1], value.nested.history[2] }
`;

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

describe('luaJson: script arguments Redis cjson always decodes', () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  beforeAll(async () => {
    redis = await testRedis('lua-json');
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  const roundTrip = async (value: unknown) =>
    (await redis.redis.eval(ROUND_TRIP_LUA, [], [luaJson(value)])) as string[];

  it('is ASCII, and Redis reads back every string, a lone surrogate as U+FFFD', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString, nastyString, nastyString, async (name, first, second) => {
        const argument = luaJson({ name, nested: { history: [first, second] } });
        expect(argument).toMatch(/^[\x20-\x7f]*$/);
        const stored = await roundTrip({ name, nested: { history: [first, second] } });
        expect(stored).toEqual([name, first, second].map((text) => text.replace(LONE, '\ufffd')));
      }),
      { numRuns: 300 },
    );
  });

  it('turns the name that blocked a partition into one Redis accepts', async () => {
    const name = `\ud800 Zed`;
    await expect(
      redis.redis.eval(ROUND_TRIP_LUA, [], [JSON.stringify({ name, nested: { history: ['', ''] } })]),
    ).rejects.toThrow(/invalid unicode escape/);
    expect(await roundTrip({ name, nested: { history: ['', ''] } })).toEqual(['\ufffd Zed', '', '']);
  });

  it('keeps astral characters whole and lone halves apart', () => {
    fc.assert(
      fc.property(loneSurrogate, (half) => {
        expect(JSON.parse(luaJson(`a${half}b😀`))).toBe('a\ufffdb😀');
      }),
    );
  });
});
