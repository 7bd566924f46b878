import { UpstashRequestError } from './errors.js';
import type { RedisCommand } from './types.js';

/**
 * Reads a command written in the URL, the Upstash REST API's other form (handy with curl; the
 * @upstash/redis client always posts JSON): `/set/key/value` is `SET key value`; a non-empty body
 * comes next, byte for byte, as the value; then each query parameter but `_token` adds its name and,
 * when not empty, its value (`POST /set/k?EX=100` with body `v` is `SET k v EX 100`).
 *
 * @example
 * ```ts
 * toPathCommand('/set/k', new URLSearchParams('EX=100'), Buffer.from('v')); // { name: 'SET', args: ['k', <Buffer 76>, 'EX', '100'] }
 * ```
 */
export function toPathCommand(pathname: string, query: URLSearchParams, body?: Buffer): RedisCommand {
  const [first = '', ...args] = splitPath(pathname) as [string, ...(string | Buffer)[]];
  const name = first.toUpperCase();
  if (name.length === 0) throw new UpstashRequestError(400, 'ERR empty command');
  if (body && body.length > 0) args.push(body);
  for (const [key, value] of query) {
    if (key === '_token') continue;
    args.push(key);
    if (value !== '') args.push(value);
  }
  return { name, args };
}

/**
 * The percent-decoded segments of a URL path, answering 400 for malformed percent-encoding.
 *
 * @example
 * ```ts
 * splitPath('/subscribe/a%2Fb'); // ['subscribe', 'a/b']
 * ```
 */
export function splitPath(pathname: string): string[] {
  return pathname
    .slice(1)
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new UpstashRequestError(400, `ERR malformed percent-encoding in the path: ${segment}`);
      }
    });
}
