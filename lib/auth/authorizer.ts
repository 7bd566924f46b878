import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { logger } from '../logging/logger.js';
import { authorizerContext } from './principal-context.js';
import { TokenRejectedError } from './errors.js';
import { VerifiedTokenCache } from './token-cache.js';
import type { VerifiedToken } from './types.js';
import type { TokenVerifier } from './verify-token.js';

/** API Gateway answers 401 when a TOKEN authorizer fails with exactly this message; any other error is a 5xx. */
export const UNAUTHORIZED = 'Unauthorized';

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/**
 * The REST API's TOKEN authorizer: verifies the `Authorization: Bearer <jwt>` header and allows the
 * whole API to the token's principal, handed to the handlers in the authorizer context. Which account
 * a principal may touch is decided by the handlers and the projector, not here, so one allow policy
 * per token is right, and API Gateway may cache it for every route.
 *
 * A token this container verified before is answered from {@link VerifiedTokenCache} until its `exp`.
 *
 * @example
 * ```ts
 * // functions/authorizer.ts
 * export const handler = tokenAuthorizer(() => tokenVerifier(authConfig()));
 * ```
 */
export function tokenAuthorizer(
  makeVerifier: () => TokenVerifier,
  cache = new VerifiedTokenCache(),
  now: () => number = Date.now,
) {
  let verifier: TokenVerifier | undefined;
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const started = performance.now();
    let verified: VerifiedToken | undefined;
    let cached: boolean;
    try {
      const token = bearerToken(event.authorizationToken);
      verified = cache.get(token, now());
      cached = verified !== undefined;
      verifier ??= makeVerifier();
      verified ??= cache.put(token, await verifier(token));
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        logger.info('token refused', { reason: error.reason, ms: elapsed(started) });
        throw new Error(UNAUTHORIZED, { cause: error });
      }
      logger.error('token could not be verified', { error: error as Error, ms: elapsed(started) });
      throw error;
    }
    logger.info('token accepted', {
      principal: verified.principal.subject,
      kind: verified.principal.kind,
      cached,
      ms: elapsed(started),
    });
    return {
      principalId: verified.principal.subject,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApi(event.methodArn) }],
      },
      context: authorizerContext(verified),
    };
  };
}

function bearerToken(header: string | undefined): string {
  if (!header) throw new TokenRejectedError('missing', 'no Authorization header');
  const token = BEARER.exec(header.trim())?.[1];
  if (!token) throw new TokenRejectedError('malformed', 'the Authorization header is not "Bearer <jwt>"');
  return token;
}

// arn:aws:execute-api:<region>:<account>:<api>/<stage>/<VERB>/<path> → …/<stage>/*: API Gateway caches
// the policy per token for every route, so an allow for one route only would deny the next one.
function wholeApi(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  return `${api}/${stage}/*`;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
