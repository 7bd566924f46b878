import { httpHandler } from '../lib/http/handler.js';
import { getTransaction } from '../lib/queries/get-transaction.js';
import { queryContext } from '../lib/queries/query-context.js';

export const handler = httpHandler('get-transaction', async (event, { principal }) =>
  getTransaction(event, principal, await queryContext()),
);
