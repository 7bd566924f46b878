import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Principal } from '../auth/types.js';
import { maySeeTransaction } from '../domain/ownership.js';
import { HttpError } from '../http/errors.js';
import { jsonResponse } from '../http/responses.js';
import { parseRequestPart } from './parse-request.js';
import type { QueryContext } from './query-context.js';
import { TransactionIdPath } from './schemas.js';

/**
 * `GET /transactions/{transactionId}` → 200 `{transactionId, type, status, reason?}`, or 404
 * `{error: "transaction_not_found"}`. A transaction a command answered 202 for reads `pending` until the
 * projector has decided it: the command left a pending marker before it answered. A transaction the
 * principal may not see (neither its initiator nor an owner of an account it touched) is 404 too.
 *
 * @example
 * ```ts
 * await getTransaction({ pathParameters: { transactionId } }, principal, context);
 * ```
 */
export async function getTransaction(
  event: Pick<APIGatewayProxyEvent, 'pathParameters'>,
  principal: Principal,
  context: QueryContext,
): Promise<APIGatewayProxyResult> {
  const { transactionId } = parseRequestPart('path', TransactionIdPath, event.pathParameters);
  const [decided, pending] = await Promise.all([
    context.store.getTransaction(context.namespace, transactionId),
    context.admissions.pending(transactionId),
  ]);
  const notFound = new HttpError(404, { error: 'transaction_not_found' });
  if (decided) {
    if (!(await visible(principal, decided.initiator ?? pending?.initiator, decided, context)))
      throw notFound;
    const { type, status, reason } = decided;
    return jsonResponse(200, { transactionId, type, status, ...(reason ? { reason } : {}) });
  }
  if (pending && maySeeTransaction(principal, { initiator: pending.initiator, touchedAccountOwners: [] }))
    return jsonResponse(200, { transactionId, type: pending.type, status: 'pending' });
  throw notFound;
}

// The owners of the touched accounts are read only when the initiator alone does not decide.
async function visible(
  principal: Principal,
  initiator: string | undefined,
  transaction: { accountId: string; counterparty?: string },
  context: QueryContext,
): Promise<boolean> {
  if (maySeeTransaction(principal, { initiator, touchedAccountOwners: [] })) return true;
  const touched = [transaction.accountId, ...(transaction.counterparty ? [transaction.counterparty] : [])];
  const owners = await Promise.all(
    touched.map((id) =>
      context.store.accountOwnership(context.namespace, id).then((found) => found?.owner ?? ''),
    ),
  );
  return maySeeTransaction(principal, { initiator, touchedAccountOwners: owners });
}
