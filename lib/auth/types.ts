import type { z } from 'zod';
import type { Principal as PrincipalSchema } from '../events/primitives.js';

/**
 * Who is calling, as the authorizer established it from a verified bearer token; the same shape the
 * requests carry on the log (`lib/events/primitives.ts`).
 * - A **customer** (the token's `sub`) opens accounts, which it then owns, acts on its own accounts and
 *   reads what concerns them.
 * - An **operator** (a token carrying the operator group or scope named in config) reads every account
 *   and moves no money.
 */
export type Principal = z.output<typeof PrincipalSchema>;

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
