import { describe, expect, it } from 'vitest';
import { redactUrl } from '../localstack/redis/redact-url.js';
import { isAuthorized } from '../localstack/upstash/authorize.js';
import { isBlocking, refusalOf } from '../localstack/upstash/command-policy.js';
import { encodeError, encodeOutcomes, encodeResult } from '../localstack/upstash/encode-reply.js';
import { UpstashRequestError } from '../localstack/upstash/errors.js';
import { parseJsonBody, toCommand, toCommandList } from '../localstack/upstash/parse-command.js';
import { toPathCommand } from '../localstack/upstash/parse-path-command.js';

// Pure pieces of the local Upstash endpoint; the wire behaviour end to end is in upstash-endpoint.test.ts.
const b = (text: string) => Buffer.from(text);

describe('encodeResult', () => {
  it('base64-encodes every string but a top-level OK', () => {
    expect(encodeResult(b('OK'), true)).toBe('{"result":"OK"}');
    expect(encodeResult(b('PONG'), true)).toBe('{"result":"UE9ORw=="}');
    // Inside an array the client decodes every string, so an OK there is encoded too.
    expect(encodeResult([b('OK'), '7', null], true)).toBe('{"result":["T0s=",7,null]}');
  });

  it('sends UTF-8 text as JSON strings without base64', () => {
    expect(encodeResult(b('say "hé"\n'), false)).toBe('{"result":"say \\"hé\\"\\n"}');
  });

  it('keeps integers as exact JSON numbers, nil as null and arrays nested', () => {
    expect(encodeResult('9007199254740993', true)).toBe('{"result":9007199254740993}');
    expect(encodeResult(['1', [b('a'), ['2']], []], false)).toBe('{"result":[1,["a",[2]],[]]}');
    expect(encodeResult(null, true)).toBe('{"result":null}');
  });

  it('writes an error nested in an array as its text', () => {
    expect(encodeResult(['1', new Error('ERR boom')], false)).toBe('{"result":[1,"ERR boom"]}');
  });
});

describe('encodeOutcomes / encodeError', () => {
  it('gives one {result} or {error} per command', () => {
    expect(encodeOutcomes([{ reply: b('OK') }, { error: 'ERR "x"' }, { reply: '3' }], true)).toBe(
      '[{"result":"OK"},{"error":"ERR \\"x\\""},{"result":3}]',
    );
    expect(JSON.parse(encodeError('ERR\nline'))).toEqual({ error: 'ERR\nline' });
  });
});

describe('parsing commands', () => {
  it('upper-cases the name and turns numbers and booleans into strings', () => {
    expect(toCommand(['hset', 'h', 'n', 1.5, true, false])).toEqual({
      name: 'HSET',
      args: ['h', 'n', '1.5', 'true', 'false'],
    });
    expect(toCommandList([['get', 'k'], ['ping']])).toEqual([
      { name: 'GET', args: ['k'] },
      { name: 'PING', args: [] },
    ]);
  });

  it('refuses what is not a command with a 400', () => {
    for (const bad of [[], {}, 'GET', [1, 'k'], ['GET', null], ['GET', ['k']], ['GET', { k: 1 }]]) {
      expect(() => toCommand(bad), JSON.stringify(bad)).toThrow(UpstashRequestError);
    }
    expect(() => toCommandList([])).toThrow(/empty pipeline/);
    expect(() => toCommandList(['GET', 'k'])).toThrow(UpstashRequestError);
    expect(() => parseJsonBody(b('[1,'))).toThrow(/not valid JSON/);
  });

  it('reads commands written in the URL: path, then body, then query', () => {
    const command = toPathCommand('/set/a%2Fb', new URLSearchParams('EX=100&NX&_token=t'), b('v'));
    expect(command).toEqual({ name: 'SET', args: ['a/b', b('v'), 'EX', '100', 'NX'] });
    expect(() => toPathCommand('/', new URLSearchParams())).toThrow(/empty command/);
    expect(() => toPathCommand('/get/%E0%A4%A', new URLSearchParams())).toThrow(/percent-encoding/);
  });
});

describe('command policy', () => {
  it('refuses commands that change the shared connection, not others', () => {
    expect(refusalOf({ name: 'SELECT', args: ['1'] })).toMatch(/SELECT is not available/);
    expect(refusalOf({ name: 'CLIENT', args: ['reply', 'off'] })).toMatch(/CLIENT REPLY/);
    expect(refusalOf({ name: 'SUBSCRIBE', args: ['c'] })).toMatch(/\/subscribe/);
    expect(refusalOf({ name: 'CLIENT', args: ['LIST'] })).toBeUndefined();
    expect(refusalOf({ name: 'EVAL', args: ['return 1', '0'] })).toBeUndefined();
  });

  it('recognises blocking commands', () => {
    expect(isBlocking({ name: 'BRPOP', args: ['q', '0'] })).toBe(true);
    expect(isBlocking({ name: 'XREAD', args: ['block', '100', 'STREAMS', 's', '$'] })).toBe(true);
    expect(isBlocking({ name: 'XREAD', args: ['STREAMS', 's', '0'] })).toBe(false);
    expect(isBlocking({ name: 'LPOP', args: ['q'] })).toBe(false);
  });
});

describe('isAuthorized / redactUrl', () => {
  it('accepts the bearer token or the _token parameter, nothing else', () => {
    expect(isAuthorized({ authorization: 'Bearer tok' }, undefined, 'tok')).toBe(true);
    expect(isAuthorized({ authorization: 'bearer  tok' }, undefined, 'tok')).toBe(true);
    expect(isAuthorized({ authorization: 'Bearer other' }, new URLSearchParams('_token=tok'), 'tok')).toBe(
      false,
    );
    expect(isAuthorized({}, new URLSearchParams('_token=tok'), 'tok')).toBe(true);
    expect(isAuthorized({}, undefined, 'tok')).toBe(false);
    expect(isAuthorized({ authorization: 'Basic tok' }, undefined, 'tok')).toBe(false);
  });

  it('hides passwords in Redis URLs', () => {
    expect(redactUrl('redis://user:pa55@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
