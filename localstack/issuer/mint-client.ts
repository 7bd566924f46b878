import type { MintRequest } from './mint-request.js';

/** Where a local issuer mints: its URL and its mint secret. */
export interface IssuerEndpoint {
  url: string;
  mintSecret: string;
}

const MINT_TIMEOUT_MS = 5_000;

/**
 * Mints a token at a running local issuer (`startLocalIssuer`), for the dev CLI, `npm run token`,
 * the bench and the tests.
 *
 * @example
 * ```ts
 * const token = await mintToken(issuer, { sub: 'alice' });
 * ```
 */
export async function mintToken(issuer: IssuerEndpoint, request: MintRequest): Promise<string> {
  const response = await fetch(`${issuer.url}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${issuer.mintSecret}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`the local issuer ${issuer.url} refused to mint: ${response.status} ${text}`);
  return (JSON.parse(text) as { token: string }).token;
}

/**
 * The local issuer named in an environment (`AUTH_ISSUER` and `LOCAL_ISSUER_MINT_SECRET`, as the local
 * stack sets them), or undefined when the issuer there is not a local one.
 *
 * @example
 * ```ts
 * const issuer = localIssuerFromEnv(stack.env);
 * ```
 */
export function localIssuerFromEnv(env: {
  AUTH_ISSUER?: string | undefined;
  LOCAL_ISSUER_MINT_SECRET?: string | undefined;
}): IssuerEndpoint | undefined {
  const url = env.AUTH_ISSUER;
  const mintSecret = env.LOCAL_ISSUER_MINT_SECRET;
  return url && mintSecret ? { url, mintSecret } : undefined;
}
