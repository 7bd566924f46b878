import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Principal } from '../auth/types.js';
import { maySee } from '../domain/ownership.js';
import { HttpError } from '../http/errors.js';
import { jsonResponse } from '../http/responses.js';
import { parseRequestPart } from './parse-request.js';
import type { QueryContext } from './query-context.js';
import { AccountIdPath, encodeCursor, HistoryQuery } from './schemas.js';

/**
 * `GET /accounts/{id}/transactions?limit=&cursor=` → 200 `{items, nextCursor}`, newest first. Each
 * item: `{transactionId, type, amount, status, reason?, balanceAfter?, counterparty?, at}`; `status` is
 * the transaction's current one (a transfer debited here reads `pending` until its credit lands). 404
 * `{error: "account_not_found"}` for an account the principal may not see, as for a missing one.
 *
 * @example
 * ```ts
 * await listTransactions({ pathParameters: { id }, queryStringParameters: { limit: '10' } }, principal, context);
 * ```
 */
export async function listTransactions(
  event: Pick<APIGatewayProxyEvent, 'pathParameters' | 'queryStringParameters'>,
  principal: Principal,
  context: QueryContext,
): Promise<APIGatewayProxyResult> {
  const { id } = parseRequestPart('path', AccountIdPath, event.pathParameters);
  const query = parseRequestPart('query', HistoryQuery, event.queryStringParameters);
  const account = await context.store.getAccount(context.namespace, id);
  if (!account || !maySee(principal, account)) throw new HttpError(404, { error: 'account_not_found' });
  const page = await context.store.listHistory(context.namespace, id, {
    limit: query.limit,
    before: query.cursor ?? account.version + 1,
  });
  const items = page.entries.map(({ entry, transaction }) => {
    // A refused entry is refused whatever the transaction did later; an applied one follows the transaction.
    const status = entry.applied ? (transaction?.status ?? 'pending') : 'rejected';
    const reason = status === 'rejected' ? transaction?.reason : undefined;
    return {
      transactionId: entry.transactionId,
      type: entry.type,
      amount: entry.amount,
      status,
      ...(reason ? { reason } : {}),
      ...(entry.balanceAfter !== undefined ? { balanceAfter: entry.balanceAfter } : {}),
      ...(entry.counterparty ? { counterparty: entry.counterparty } : {}),
      at: entry.at,
    };
  });
  const last = page.entries[page.entries.length - 1];
  return jsonResponse(200, { items, nextCursor: page.more && last ? encodeCursor(last.entry.seq) : null });
}
