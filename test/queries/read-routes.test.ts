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
import { bankEvents, HOLDER } from '../support/bank-events.js';
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
      getAccount({ pathParameters: { id: account } }, HOLDER, context),
    );
    expect(found).toMatchObject({
      status: 200,
      body: { accountId: account, name: 'Ada', currency: 'EUR', balance: 1500, version: 7 },
    });
    const missing = await answer('/accounts/{id}', () =>
      getAccount({ pathParameters: { id: randomUUID() } }, HOLDER, context),
    );
    expect(missing).toEqual({ status: 404, body: { error: 'account_not_found' } });
    const malformed = await answer('/accounts/{id}', () =>
      getAccount({ pathParameters: { id: 'x' } }, HOLDER, context),
    );
    expect(malformed.status).toBe(400);
  });

  it('pages the history newest first with an opaque cursor', async () => {
    const route = '/accounts/{id}/transactions';
    const page = (query: Record<string, string>) =>
      answer(route, () =>
        listTransactions({ pathParameters: { id: account }, queryStringParameters: query }, HOLDER, context),
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
      answer(route, () => getTransaction({ pathParameters: { transactionId } }, HOLDER, context));
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
      pending: {
        transactionId: admitted,
        type: 'deposit',
        accountId: account,
        initiator: HOLDER.subject,
        at: new Date().toISOString(),
      },
    });
    expect((await read(admitted)).body).toEqual({
      transactionId: admitted,
      type: 'deposit',
      status: 'pending',
    });
    expect((await read(randomUUID())).status).toBe(404);
  });
});

describe('who may read what', () => {
  const BOB = { kind: 'customer', subject: 'bob' } as const;
  const CAROL = { kind: 'customer', subject: 'carol' } as const;
  const OPERATOR = { kind: 'operator', subject: 'support' } as const;
  const holder = bankEvents();
  const bob = bankEvents(undefined, BOB);
  const holders = randomUUID();
  const bobs = randomUUID();
  const opens = [holder.open(holders, 'EUR'), bob.open(bobs, 'EUR')];
  const deposit = holder.deposit(holders, 1_000);
  const transfer = holder.transfer(holders, bobs, 300);
  const intrusion = bob.withdraw(holders, 500);
  let context: QueryContext;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const redis = await testRedis('who-reads');
    cleanup = redis.cleanup;
    const store = new ProjectionStore(redis.redis, redis.prefix);
    context = { store, namespace: 'main', admissions: new CommandAdmissions(redis.redis, redis.prefix) };
    const live = { kind: 'live' as const, publish: async () => undefined };
    const records = recordsOf('t', 0, [...opens, deposit, transfer, intrusion]);
    await handleMskEvent(mskEvent(records), store, live);
  });
  afterAll(async () => cleanup());

  const status = async (run: () => Promise<APIGatewayProxyResult>) => {
    try {
      const response = await run();
      return { status: response.statusCode, body: JSON.parse(response.body) };
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return { status: error.statusCode, body: error.body };
    }
  };
  const account = (principal: typeof BOB | typeof OPERATOR | typeof HOLDER, id: string) =>
    status(() => getAccount({ pathParameters: { id } }, principal, context));
  const history = (principal: typeof BOB | typeof OPERATOR | typeof HOLDER, id: string) =>
    status(() =>
      listTransactions({ pathParameters: { id }, queryStringParameters: null }, principal, context),
    );
  const transaction = (principal: typeof BOB | typeof OPERATOR | typeof HOLDER, transactionId: string) =>
    status(() => getTransaction({ pathParameters: { transactionId } }, principal, context));

  it("answers 404, as for a missing account, to a customer reading another's account or history", async () => {
    expect(await account(BOB, holders)).toEqual({ status: 404, body: { error: 'account_not_found' } });
    expect(await history(BOB, holders)).toEqual({ status: 404, body: { error: 'account_not_found' } });
    expect((await account(HOLDER, holders)).status).toBe(200);
    expect((await account(BOB, bobs)).status).toBe(200);
  });

  it('lets an operator read every account, history and transaction', async () => {
    expect((await account(OPERATOR, holders)).body).toMatchObject({ balance: 700 });
    expect((await account(OPERATOR, bobs)).status).toBe(200);
    expect((await history(OPERATOR, holders)).body.items).toHaveLength(2);
    expect((await transaction(OPERATOR, deposit.data.transactionId)).status).toBe(200);
  });

  it('shows a transaction to its initiator and to the owners of the accounts it touched, to no one else', async () => {
    const deposited = deposit.data.transactionId;
    expect((await transaction(HOLDER, deposited)).status).toBe(200);
    expect(await transaction(BOB, deposited)).toEqual({
      status: 404,
      body: { error: 'transaction_not_found' },
    });
    // The destination's owner sees the transfer coming in; a third customer does not.
    expect((await transaction(BOB, transfer.data.transactionId)).status).toBe(200);
    expect((await transaction(CAROL, transfer.data.transactionId)).status).toBe(404);
  });

  it("records a customer's attempt on another's account as forbidden for the initiator, and leaves the account alone", async () => {
    expect((await transaction(BOB, intrusion.data.transactionId)).body).toEqual({
      transactionId: intrusion.data.transactionId,
      type: 'withdrawal',
      status: 'rejected',
      reason: 'forbidden',
    });
    expect(await transaction(CAROL, intrusion.data.transactionId)).toMatchObject({ status: 404 });
    // Neither the balance nor the owner's history or version moved.
    expect((await account(HOLDER, holders)).body).toMatchObject({ balance: 700, version: 3 });
    const items = (await history(HOLDER, holders)).body.items as { transactionId: string }[];
    expect(items.map((item) => item.transactionId)).not.toContain(intrusion.data.transactionId);
  });

  it('shows a pending transaction to its initiator and operators only', async () => {
    const admitted = randomUUID();
    await context.admissions.admit({
      idempotencyKey: null,
      fingerprint: 'f',
      pending: {
        transactionId: admitted,
        type: 'deposit',
        accountId: holders,
        initiator: 'bob',
        at: new Date().toISOString(),
      },
    });
    expect((await transaction(BOB, admitted)).body).toMatchObject({ status: 'pending' });
    expect((await transaction(OPERATOR, admitted)).body).toMatchObject({ status: 'pending' });
    expect((await transaction(HOLDER, admitted)).status).toBe(404);
  });
});
