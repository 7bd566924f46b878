import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandAdmissions } from '../../lib/commands/admission.js';
import { HttpError } from '../../lib/http/errors.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { handleMskEvent } from '../../lib/projector/handle-msk-event.js';
import { getAccount } from '../../lib/queries/get-account.js';
import { getTransaction } from '../../lib/queries/get-transaction.js';
import { listTransactions } from '../../lib/queries/list-transactions.js';
import type { QueryContext } from '../../lib/queries/query-context.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, recordsOf } from '../support/msk-events.js';
import { contractViolations } from '../support/openapi.js';
import { testRedis } from '../support/redis.js';

const events = bankEvents();

describe('read routes over the projection', () => {
  let context: QueryContext;
  let cleanup: () => Promise<void>;
  const account = randomUUID();
  const open = events.open(account, 'EUR', 'Ada');
  const deposits = Array.from({ length: 5 }, (_, i) => events.deposit(account, 100 * (i + 1)));
  const overdraft = events.withdraw(account, 1_000_000);

  beforeAll(async () => {
    const redis = await testRedis('queries');
    cleanup = redis.cleanup;
    const store = new ProjectionStore(redis.redis, redis.prefix);
    context = { store, namespace: 'main', admissions: new CommandAdmissions(redis.redis, redis.prefix) };
    const live = { kind: 'live' as const, publish: async () => undefined };
    await handleMskEvent(mskEvent(recordsOf('t', 0, [open, ...deposits, overdraft])), store, live);
  });
  afterAll(async () => cleanup());

  /** Answers as the HTTP adapter would, checked against the OpenAPI document. */
  const answer = async (route: string, run: () => Promise<APIGatewayProxyResult>) => {
    let response: { statusCode: number; body: string };
    try {
      response = await run();
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      response = error.toResponse();
    }
    const body = JSON.parse(response.body);
    expect(contractViolations(route, 'GET', response.statusCode, body)).toEqual([]);
    return { status: response.statusCode, body };
  };

  it('serves an account, and 404 for an unknown one', async () => {
    const found = await answer('/accounts/{id}', () =>
      getAccount({ pathParameters: { id: account } }, context),
    );
    expect(found).toMatchObject({
      status: 200,
      body: { accountId: account, name: 'Ada', currency: 'EUR', balance: 1500, version: 7 },
    });
    const missing = await answer('/accounts/{id}', () =>
      getAccount({ pathParameters: { id: randomUUID() } }, context),
    );
    expect(missing).toEqual({ status: 404, body: { error: 'account_not_found' } });
    const malformed = await answer('/accounts/{id}', () =>
      getAccount({ pathParameters: { id: 'x' } }, context),
    );
    expect(malformed.status).toBe(400);
  });

  it('pages the history newest first with an opaque cursor', async () => {
    const route = '/accounts/{id}/transactions';
    const page = (query: Record<string, string>) =>
      answer(route, () =>
        listTransactions({ pathParameters: { id: account }, queryStringParameters: query }, context),
      );
    const first = await page({ limit: '4' });
    expect(first.status).toBe(200);
    expect(
      first.body.items.map((item: { type: string; status: string }) => `${item.type}:${item.status}`),
    ).toEqual(['withdrawal:rejected', 'deposit:applied', 'deposit:applied', 'deposit:applied']);
    expect(first.body.items[0]).toMatchObject({ reason: 'insufficient_funds', amount: 1_000_000 });
    expect(first.body.items[1]).toMatchObject({ amount: 500, balanceAfter: 1500 });
    const second = await page({ limit: '4', cursor: first.body.nextCursor });
    expect(second.body.items.map((item: { amount: number }) => item.amount)).toEqual([200, 100]);
    expect(second.body.nextCursor).toBeNull();

    const badQueries: Record<string, string>[] = [
      { limit: '0' },
      { limit: '101' },
      { limit: 'ten' },
      { cursor: '!!' },
      { sort: 'asc' },
    ];
    for (const bad of badQueries) {
      expect((await page(bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });

  it('reads a transaction as decided, pending while only admitted, and 404 otherwise', async () => {
    const route = '/transactions/{transactionId}';
    const read = (transactionId: string) =>
      answer(route, () => getTransaction({ pathParameters: { transactionId } }, context));
    expect((await read(overdraft.data.transactionId)).body).toEqual({
      transactionId: overdraft.data.transactionId,
      type: 'withdrawal',
      status: 'rejected',
      reason: 'insufficient_funds',
    });
    expect((await read(open.data.transactionId)).body).toMatchObject({
      type: 'account_open',
      status: 'applied',
    });

    const admitted = randomUUID();
    await context.admissions.admit({
      idempotencyKey: null,
      fingerprint: 'f',
      pending: { transactionId: admitted, type: 'deposit', accountId: account, at: new Date().toISOString() },
    });
    expect((await read(admitted)).body).toEqual({
      transactionId: admitted,
      type: 'deposit',
      status: 'pending',
    });
    expect((await read(randomUUID())).status).toBe(404);
  });
});
