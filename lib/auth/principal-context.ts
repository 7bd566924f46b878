import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { readHeader } from '../http/request-body.js';
import { PRINCIPAL_KINDS } from '../events/primitives.js';
import type { Principal, VerifiedToken } from './types.js';

/**
 * What the authorizer hands to the handlers besides `principalId`. API Gateway passes context values
 * on as strings, so they are strings from the start.
 */
export interface AuthorizerContext {
  kind: Principal['kind'];
  /** The token's `exp`, epoch seconds. */
  expiresAt: string;
  [key: string]: string;
}

/**
 * The authorizer context for a verified token.
 *
 * @example
 * ```ts
 * return { principalId: verified.principal.subject, policyDocument, context: authorizerContext(verified) };
 * ```
 */
export function authorizerContext(verified: VerifiedToken): AuthorizerContext {
  return { kind: verified.principal.kind, expiresAt: String(verified.expiresAt) };
}

const AuthorizerFields = z.object({
  principalId: z.string().min(1),
  kind: z.enum(PRINCIPAL_KINDS),
  expiresAt: z.coerce.number().int().positive(),
});

// serverless-offline replaces the authorizer's context with this header's JSON (a debugging aid of
// its own); API Gateway has no such thing. Refusing it keeps a local request exactly as guarded.
const OFFLINE_OVERRIDE_HEADER = 'sls-offline-authorizer-override';

/**
 * The principal the authorizer established for this request, or 401 `{error: "unauthorized"}` when
 * there is none or its token has expired since. API Gateway caches an authorizer's answer for a fixed
 * time per token, which can outlast the token: the expiry is checked here again.
 *
 * @example
 * ```ts
 * const principal = requestPrincipal(event);
 * ```
 */
export function requestPrincipal(
  event: Pick<APIGatewayProxyEvent, 'requestContext' | 'headers'>,
  nowMs: number = Date.now(),
): Principal {
  if (readHeader(event.headers, OFFLINE_OVERRIDE_HEADER) !== undefined)
    throw unauthorized(`the ${OFFLINE_OVERRIDE_HEADER} header is not accepted`);
  const fields = AuthorizerFields.safeParse(event.requestContext?.authorizer);
  if (!fields.success) throw unauthorized('no verified bearer token');
  if (fields.data.expiresAt * 1000 <= nowMs) throw unauthorized('the token has expired');
  return { kind: fields.data.kind, subject: fields.data.principalId };
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, { error: 'unauthorized', message }, { 'WWW-Authenticate': 'Bearer' });
}
