import { authorizerContext } from '../../lib/auth/principal-context.js';
import type { Principal } from '../../lib/auth/types.js';
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

/**
 * What API Gateway hands a handler as `requestContext.authorizer` once the authorizer let a token of
 * `principal` through: the production authorizer's own context, for tests that call a handler directly.
 *
 * @example
 * ```ts
 * await handler({ ...event, requestContext: { requestId, authorizer: authorizedAs(HOLDER) } });
 * ```
 */
export function authorizedAs(principal: Principal, expiresInSeconds = 3_600) {
  const expiresAt = Math.floor(Date.now() / 1000) + expiresInSeconds;
  return { principalId: principal.subject, ...authorizerContext({ principal, expiresAt }) };
}
