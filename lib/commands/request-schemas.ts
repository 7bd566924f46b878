import { z } from 'zod';
import { AccountName, Amount, Currency, Uuid } from '../events/primitives.js';

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
  name: AccountName,
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
