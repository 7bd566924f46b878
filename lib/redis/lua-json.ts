// A UTF-16 code unit of a surrogate pair's half that has no partner.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NON_ASCII = /[\u0080-\uffff]/g;

const wellFormed = (_key: string, value: unknown) =>
  typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value;
const escape = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Serialises a Lua script's argument as JSON that Redis's `cjson.decode` always accepts, whatever the
 * strings inside hold:
 * - a lone UTF-16 surrogate becomes U+FFFD: `JSON.stringify` writes it as a `\ud800` escape, which cjson
 *   refuses ("invalid unicode escape code"), failing the whole script;
 * - every other non-ASCII character is written as `\uXXXX` escapes (pairs for astral characters, which
 *   cjson joins), so the payload is plain ASCII on every hop: HTTP, the Upstash endpoint, RESP.
 *
 * Hand-written: no library targets cjson's dialect of JSON. Object keys are not rewritten; Banku's keys
 * are field names and ids.
 *
 * @example
 * ```ts
 * await script.exec([key], [luaJson({ name: 'Zoë 😀' })]); // ARGV[1] = {"name":"Zo\u00eb \ud83d\ude00"}
 * ```
 */
export function luaJson(value: unknown): string {
  return wellFormedJson(value).replace(NON_ASCII, escape);
}

/**
 * `JSON.stringify` with every lone UTF-16 surrogate written as U+FFFD, the way Redis stores the text of
 * a plain value (it travels as UTF-8, where a lone surrogate cannot exist). A JSON value stored whole
 * then reads back the same as its fields would have, instead of keeping the surrogate as an escape.
 *
 * @example
 * ```ts
 * wellFormedJson({ name: '\ud800 Zed' }); // '{"name":"\ufffd Zed"}'
 * ```
 */
export function wellFormedJson(value: unknown): string {
  const json: string | undefined = JSON.stringify(value, wellFormed);
  if (json === undefined) throw new TypeError(`a stored value must be a JSON value, got ${typeof value}`);
  return json;
}
