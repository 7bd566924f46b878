import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError } from '../http/errors.js';
import { jsonResponse } from '../http/responses.js';
import { parseRequestPart } from './parse-request.js';
import type { QueryContext } from './query-context.js';
import { TransactionIdPath } from './schemas.js';

/**
 * `GET /transactions/{transactionId}` → 200 `{transactionId, type, status, reason?}`, or 404
 * `{error: "transaction_not_found"}`. A transaction a command answered 202 for reads `pending` until the
 * projector has decided it: the command left a pending marker before it answered.
 *
 * @example
 * ```ts
 * await getTransaction({ pathParameters: { transactionId } }, context);
 * ```
 */
export async function getTransaction(
  event: Pick<APIGatewayProxyEvent, 'pathParameters'>,
  context: QueryContext,
): Promise<APIGatewayProxyResult> {
  const { transactionId } = parseRequestPart('path', TransactionIdPath, event.pathParameters);
  const [decided, pending] = await Promise.all([
    context.store.getTransaction(context.namespace, transactionId),
    context.admissions.pending(transactionId),
  ]);
  if (decided) {
    const { type, status, reason } = decided;
    return jsonResponse(200, { transactionId, type, status, ...(reason ? { reason } : {}) });
  }
  if (pending) return jsonResponse(200, { transactionId, type: pending.type, status: 'pending' });
  throw new HttpError(404, { error: 'transaction_not_found' });
}
