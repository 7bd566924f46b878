import { z } from 'zod';
import { Uuid } from '../events/primitives.js';

/** `{id}` of `/accounts/{id}` and `/accounts/{id}/transactions`. */
export const AccountIdPath = z.object({ id: Uuid.transform((id) => id.toLowerCase()) });

/** `{transactionId}` of `/transactions/{transactionId}`. */
export const TransactionIdPath = z.object({ transactionId: Uuid.transform((id) => id.toLowerCase()) });

/** The largest page `GET /accounts/{id}/transactions` returns. */
export const MAX_PAGE_SIZE = 100;

/**
 * `?limit=&cursor=` of the history route. The cursor is opaque to clients: the position to continue
 * below, base64url-encoded.
 *
 * @example
 * ```ts
 * HistoryQuery.parse({ limit: '10' }); // { limit: 10 }
 * ```
 */
export const HistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,24}$/, 'not a cursor this API returned')
    .transform((cursor, context) => {
      const position = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(position) || position < 1) {
        context.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
        return z.NEVER;
      }
      return position;
    })
    .optional(),
});

/**
 * The cursor that continues a history page below `seq`.
 *
 * @example
 * ```ts
 * encodeCursor(41); // 'NDE'
 * ```
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url');
}
