import type { CommandOutcome, RedisReply } from './types.js';

/**
 * The JSON text of a successful reply, `{"result":...}`, shaped as Upstash answers.
 *
 * With `base64` (the client sends `Upstash-Encoding: base64` by default) every string is base64 of its
 * exact bytes, status replies included, except a top-level `OK`, which Upstash leaves as it is and the
 * client special-cases. Integers stay JSON numbers, nil is `null`, arrays stay nested (RESP2 shape:
 * HGETALL is a flat array). Without `base64`, strings are sent as UTF-8 text.
 *
 * The JSON is written directly rather than through `JSON.stringify` of a copy of the reply: base64 text
 * needs no escaping, and integers arrive as decimal strings, so they go out digit for digit, beyond
 * 2^53 included.
 *
 * @example
 * ```ts
 * encodeResult(Buffer.from('PONG'), true); // '{"result":"UE9ORw=="}'
 * encodeResult(Buffer.from('OK'), true);   // '{"result":"OK"}'
 * encodeResult(['1', Buffer.from('a')], false); // '{"result":[1,"a"]}'
 * ```
 */
export function encodeResult(reply: RedisReply, base64: boolean): string {
  return `{"result":${encodeTopLevel(reply, base64)}}`;
}

/**
 * The JSON text of an error, `{"error":"..."}`.
 *
 * @example
 * ```ts
 * encodeError('ERR value is not an integer or out of range');
 * ```
 */
export function encodeError(message: string): string {
  return `{"error":${JSON.stringify(message)}}`;
}

/**
 * The JSON text of a pipeline's or transaction's answer: one `{"result":...}` or `{"error":"..."}` per
 * command, in order. Each result is top level, so an `OK` stays plain as in {@link encodeResult}.
 *
 * @example
 * ```ts
 * encodeOutcomes([{ reply: Buffer.from('OK') }, { error: 'ERR boom' }], true); // '[{"result":"OK"},{"error":"ERR boom"}]'
 * ```
 */
export function encodeOutcomes(outcomes: readonly CommandOutcome[], base64: boolean): string {
  let json = '[';
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i] as CommandOutcome;
    if (i > 0) json += ',';
    json += 'error' in outcome ? encodeError(outcome.error) : encodeResult(outcome.reply, base64);
  }
  return `${json}]`;
}

function encodeTopLevel(reply: RedisReply, base64: boolean): string {
  if (base64 && Buffer.isBuffer(reply) && reply.length === 2 && reply[0] === 0x4f && reply[1] === 0x4b) {
    return '"OK"';
  }
  return encodeValue(reply, base64);
}

function encodeValue(value: RedisReply, base64: boolean): string {
  if (Buffer.isBuffer(value)) {
    return base64 ? `"${value.toString('base64')}"` : JSON.stringify(value.toString('utf8'));
  }
  if (value === null || value === undefined) return 'null';
  // ioredis runs with `stringNumbers`: an integer reply is its decimal digits, valid JSON as they are.
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (Array.isArray(value)) {
    let json = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) json += ',';
      json += encodeValue(value[i] as RedisReply, base64);
    }
    return `${json}]`;
  }
  // An error inside an array (a Lua table holding `redis.error_reply`) cannot be an `{error}` item
  // there, so it goes out as its text, like any string.
  return encodeValue(Buffer.from(value.message), base64);
}
