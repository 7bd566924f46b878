import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^bearer\s+(.+)$/i;

/**
 * Whether a request carries the endpoint's token: `Authorization: Bearer <token>`, or the `_token`
 * query parameter the Upstash REST API also accepts.
 *
 * @example
 * ```ts
 * isAuthorized({ authorization: 'Bearer abc' }, undefined, 'abc'); // true
 * isAuthorized({}, new URLSearchParams('_token=abc'), 'abc');      // true
 * ```
 */
export function isAuthorized(
  headers: IncomingHttpHeaders,
  query: URLSearchParams | undefined,
  token: string,
) {
  const header = headers.authorization;
  if (header !== undefined) return BEARER.exec(header)?.[1]?.trim() === token;
  return query?.get('_token') === token;
}
