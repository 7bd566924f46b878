import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ALLOWED_ALGORITHMS, type AuthConfig, CLOCK_TOLERANCE_SECONDS, JWKS_TIMEOUT_MS } from './config.js';
import { IssuerUnavailableError, TokenRejectedError } from './errors.js';
import type { Principal, TokenRejection, VerifiedToken } from './types.js';

/** Checks one bearer token; resolves to its principal or rejects with a typed error. */
export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/**
 * A verifier for the issuer in `config`: the signature against the issuer's JWKS (fetched with a
 * deadline, cached by jose and refetched when an unknown key id appears), an allowed algorithm, `iss`,
 * the audience, `exp`/`nbf` within {@link CLOCK_TOLERANCE_SECONDS}, and a `sub`.
 *
 * Rejects with {@link TokenRejectedError} when the token is at fault and with
 * {@link IssuerUnavailableError} when the keys could not be had.
 *
 * @example
 * ```ts
 * const verify = tokenVerifier(authConfig());
 * const { principal, expiresAt } = await verify(token);
 * ```
 */
export function tokenVerifier(
  config: AuthConfig,
  keys: JWTVerifyGetKey = createRemoteJWKSet(config.jwksUrl, { timeoutDuration: JWKS_TIMEOUT_MS }),
): TokenVerifier {
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw classify(error, config);
    }
    if (!hasAudience(payload, config.audience)) {
      throw new TokenRejectedError('wrong_audience', `the token is not for audience "${config.audience}"`);
    }
    return { principal: principalOf(payload, config), expiresAt: payload.exp as number };
  };
}

// Cognito access tokens carry no `aud`; their app client is in `client_id`.
function hasAudience(payload: JWTPayload, audience: string): boolean {
  if (payload.aud !== undefined) return [payload.aud].flat().includes(audience);
  return payload.client_id === audience;
}

function principalOf(payload: JWTPayload, config: AuthConfig): Principal {
  const subject = payload.sub as string;
  const claim = payload[config.operatorClaim];
  const values = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
  return values.includes(config.operatorValue)
    ? { kind: 'operator', subject }
    : { kind: 'customer', subject };
}

function classify(error: unknown, config: AuthConfig): Error {
  const rejected = (reason: TokenRejection, message: string) =>
    new TokenRejectedError(reason, message, { cause: error });
  if (error instanceof errors.JWTExpired) return rejected('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'iss'
      ? rejected('wrong_issuer', `the token was not issued by ${config.issuer}`)
      : rejected('invalid_claims', `the token's "${error.claim}" claim ${error.reason}`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return rejected(
      'algorithm_not_allowed',
      `the token's algorithm is not one of ${ALLOWED_ALGORITHMS.join(', ')}`,
    );
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return rejected('bad_signature', 'the token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey)
    return rejected('unknown_key', "no key of the issuer's JWKS matches the token");
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return rejected('malformed', 'the token is not a well-formed signed JWT');
  // Timeouts, network errors, a non-200 or unparsable JWKS: the issuer's side, not the caller's.
  return new IssuerUnavailableError(config.jwksUrl.href, { cause: error });
}
