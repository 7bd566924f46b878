import { z } from 'zod';

/** Lifetime of a minted token unless the request says otherwise. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3_600;

/**
 * What `POST /tokens` of the local issuer accepts. `issuer` and `audience` override the issuer's own
 * values, and a negative lifetime mints an expired token, so tests can present every kind of bad token.
 */
export const MintRequest = z
  .object({
    sub: z.string().min(1).max(255),
    operator: z.boolean().default(false),
    expiresInSeconds: z.number().int().default(DEFAULT_TOKEN_LIFETIME_SECONDS),
    issuer: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
  })
  .strict();

export type MintRequest = z.input<typeof MintRequest>;
