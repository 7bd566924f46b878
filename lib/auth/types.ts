/**
 * Who is calling, as the authorizer established it from a verified bearer token.
 * - A **customer** (the token's `sub`) opens accounts, which it then owns, acts on its own accounts and
 *   reads what concerns them.
 * - An **operator** (a token carrying the operator group or scope named in config) reads every account
 *   and moves no money.
 */
export type Principal = { kind: 'customer'; subject: string } | { kind: 'operator'; subject: string };

/** The kinds of principal, for schemas and the authorizer context. */
export const PRINCIPAL_KINDS = ['customer', 'operator'] as const satisfies readonly Principal['kind'][];

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
