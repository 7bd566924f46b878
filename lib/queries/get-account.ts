import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Principal } from '../auth/types.js';
import { maySee } from '../domain/ownership.js';
import { HttpError } from '../http/errors.js';
import { jsonResponse } from '../http/responses.js';
import { parseRequestPart } from './parse-request.js';
import type { QueryContext } from './query-context.js';
import { AccountIdPath } from './schemas.js';

/**
 * `GET /accounts/{id}` → 200 `{accountId, name, currency, balance, version, updatedAt}`, or 404
 * `{error: "account_not_found"}`: also while an opening is still pending (see its transaction), and
 * for an account the principal may not see, so that ids cannot be probed.
 *
 * @example
 * ```ts
 * export const handler = httpHandler('get-account', async (event) => getAccount(event, principal, await queryContext()));
 * ```
 */
export async function getAccount(
  event: Pick<APIGatewayProxyEvent, 'pathParameters'>,
  principal: Principal,
  context: QueryContext,
): Promise<APIGatewayProxyResult> {
  const { id } = parseRequestPart('path', AccountIdPath, event.pathParameters);
  const account = await context.store.getAccount(context.namespace, id);
  if (!account || !maySee(principal, account)) throw new HttpError(404, { error: 'account_not_found' });
  const { accountId, name, currency, balance, version, updatedAt } = account;
  return jsonResponse(200, { accountId, name, currency, balance, version, updatedAt });
}
