import { requiredEnv } from '../config/env.js';
import { ConfigurationError } from '../config/errors.js';

/**
 * The token algorithms the verifier accepts: asymmetric only. `none` and the HMAC family are absent on
 * purpose: with HMAC the "public" key would also sign, and `none` signs nothing.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

/** How far the clocks of the issuer and the authorizer may disagree on `exp` and `nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** The deadline of one JWKS fetch. The authorizer must answer well inside API Gateway's 29 s. */
export const JWKS_TIMEOUT_MS = 3_000;

/** Where Cognito puts a user's groups; the default operator claim, so Cognito works with no setting. */
export const DEFAULT_OPERATOR_CLAIM = 'cognito:groups';

/** The default group (or scope) that makes a token an operator's. */
export const DEFAULT_OPERATOR_VALUE = 'banku-operators';

/** What the verifier checks a token against. */
export interface AuthConfig {
  /** Exact `iss` the tokens carry, e.g. `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  issuer: string;
  /** Accepted in `aud`, or in `client_id` for tokens without `aud` (Cognito access tokens). */
  audience: string;
  jwksUrl: URL;
  /** A token is an operator's when this claim (a space-separated string or an array) holds {@link operatorValue}. */
  operatorClaim: string;
  operatorValue: string;
}

/**
 * Reads the verifier's settings: `AUTH_ISSUER` and `AUTH_AUDIENCE` (required), `AUTH_JWKS_URL` (default
 * `<issuer>/.well-known/jwks.json`, where Cognito and most OIDC issuers serve their keys),
 * `AUTH_OPERATOR_CLAIM` (default `cognito:groups`) and `AUTH_OPERATOR_VALUE` (default `banku-operators`).
 *
 * @example
 * ```ts
 * const verify = tokenVerifier(authConfig());
 * ```
 */
export function authConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  // The issuer is compared with `iss` as written (Auth0's ends in a slash, Cognito's does not).
  const issuer = requiredEnv('AUTH_ISSUER', env);
  absoluteUrl('AUTH_ISSUER', issuer);
  const explicitJwks = env.AUTH_JWKS_URL?.trim();
  return {
    issuer,
    audience: requiredEnv('AUTH_AUDIENCE', env),
    jwksUrl: explicitJwks
      ? absoluteUrl('AUTH_JWKS_URL', explicitJwks)
      : absoluteUrl('AUTH_ISSUER', `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`),
    operatorClaim: env.AUTH_OPERATOR_CLAIM?.trim() || DEFAULT_OPERATOR_CLAIM,
    operatorValue: env.AUTH_OPERATOR_VALUE?.trim() || DEFAULT_OPERATOR_VALUE,
  };
}

function absoluteUrl(variable: string, value: string): URL {
  try {
    return new URL(value);
  } catch (error) {
    throw new ConfigurationError(variable, `must be an absolute URL, got "${value}"`, { cause: error });
  }
}
