import { httpHandler } from '../lib/http/handler.js';
import { getAccount } from '../lib/queries/get-account.js';
import { queryContext } from '../lib/queries/query-context.js';

export const handler = httpHandler('get-account', async (event, { principal }) =>
  getAccount(event, principal, await queryContext()),
);
