import { z } from 'zod';

/**
 * Every reason a request can be rejected for. Shared by the events (a refund carries the reason the credit
 * was rejected) and by the decider's outcomes.
 *
 * @example
 * REASON_CODES.includes('insufficient_funds'); // true
 */
export const REASON_CODES = [
  'insufficient_funds',
  'account_not_found',
  'currency_mismatch',
  'invalid_transfer',
  'account_already_exists',
  'balance_limit_exceeded',
  'forbidden',
  'abandoned',
] as const;

/**
 * Schema of a {@link REASON_CODES} member.
 *
 * @example
 * ReasonCodeSchema.parse('currency_mismatch');
 */
export const ReasonCodeSchema = z.enum(REASON_CODES);
