import { httpHandler } from '../lib/http/handler.js';
import { listTransactions } from '../lib/queries/list-transactions.js';
import { queryContext } from '../lib/queries/query-context.js';

export const handler = httpHandler('list-transactions', async (event, { principal }) =>
  listTransactions(event, principal, await queryContext()),
);
