import type { TokenRejection } from './types.js';

/**
 * The bearer token cannot be trusted: absent, malformed, expired, for another issuer or audience,
 * signed with an algorithm outside the allow-list, or with a signature that does not verify. The caller
 * must get a new token; the request is answered 401.
 *
 * @example
 * ```ts
 * throw new TokenRejectedError('expired', 'the token expired at 2026-11-22T12:00:00Z', { cause: error });
 * ```
 */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';

  constructor(
    readonly reason: TokenRejection,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The issuer's signing keys (its JWKS) could not be fetched in time or made no sense. Nothing is wrong
 * with the caller's token as far as anyone knows: the request is refused as unavailable, never as
 * unauthorized, and may be retried.
 *
 * @example
 * ```ts
 * throw new IssuerUnavailableError('https://issuer.example/.well-known/jwks.json', { cause: error });
 * ```
 */
export class IssuerUnavailableError extends Error {
  override readonly name = 'IssuerUnavailableError';

  constructor(
    readonly jwksUrl: string,
    options?: ErrorOptions,
  ) {
    super(
      `the token issuer's keys (${jwksUrl}) could not be fetched: check AUTH_JWKS_URL / AUTH_ISSUER and the network path to the issuer`,
      options,
    );
  }
}
