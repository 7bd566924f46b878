import type { Principal } from '../domain/types.js';

/** Who is calling, as the authorizer established it from a verified bearer token (see the domain's type). */
export type { Principal };

/** A token the verifier accepted: whose it is, and until when (epoch seconds, the token's `exp`). */
export interface VerifiedToken {
  principal: Principal;
  expiresAt: number;
}

/** Why a token was refused; every one of them is answered 401. */
export type TokenRejection =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'unknown_key'
  | 'invalid_claims';
