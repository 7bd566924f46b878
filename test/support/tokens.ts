import { type IssuerEndpoint, localIssuerFromEnv, mintToken } from '../../localstack/issuer/mint-client.js';
import type { MintRequest } from '../../localstack/issuer/mint-request.js';

/** The local issuer of the stack the global setup started. */
export function stackIssuer(): IssuerEndpoint {
  const issuer = localIssuerFromEnv(process.env);
  if (!issuer)
    throw new Error('the tests need the local stack to run its own token issuer (AUTH_ISSUER unset)');
  return issuer;
}

/**
 * A token of the stack's local issuer, the way a user's identity provider would hand it out.
 *
 * @example
 * ```ts
 * const call = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'alice' }));
 * ```
 */
export function testToken(request: MintRequest): Promise<string> {
  return mintToken(stackIssuer(), request);
}
