import { z } from 'zod';
import { Amount, Currency, IdempotencyKey, Uuid } from '../events/primitives.js';
import { AccountHolderName } from './account-holder-name.js';

/**
 * The bodies and path parameters the command routes accept. Objects are strict: an unknown field is
 * refused rather than silently dropped, so a typo (`ammount`) never turns into a default.
 *
 * @example
 * ```ts
 * DepositBody.parse({ amount: 1250 });
 * ```
 */
export const OpenAccountBody = z.strictObject({
  name: AccountHolderName,
  currency: Currency.default('USD'),
});

/** `POST /accounts/{id}/deposits` and `/withdrawals`. */
export const AmountBody = z.strictObject({ amount: Amount });

/** `POST /accounts/{id}/transfers`; the destination must differ from the source (checked with the path). */
export const TransferBody = z.strictObject({
  toAccountId: Uuid.transform((id) => id.toLowerCase()),
  amount: Amount,
});

/** The `{id}` of `/accounts/{id}/…`. */
export const AccountPathParameters = z.object({ id: Uuid });

/**
 * The `Idempotency-Key` header: 1–255 printable ASCII characters, the characters of an HTTP structured
 * string (RFC 8941), so a key reads the same in every log, proxy and client library.
 *
 * @example
 * ```ts
 * IdempotencyKeyHeader.parse('order-4711-payment');
 * ```
 */
export const IdempotencyKeyHeader = z
  .string()
  .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII (letters, digits, punctuation and spaces)')
  .pipe(IdempotencyKey);
