import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../localstack/support/seeded-random.js';
import type { apiClient } from '../support/http-client.js';

type Call = ReturnType<typeof apiClient>;

/** One transfer the storm sent, and what the API answered. Amounts are unique, so its effect can be found. */
export interface SentTransfer {
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly status: number;
  readonly transactionId: string | undefined;
  readonly sentAt: number;
  readonly ms: number;
}

/** What a storm sent, split by answer, and when the fault ended. */
export interface Storm {
  readonly accepted: SentTransfer[];
  readonly refused: SentTransfer[];
  /** Anything but 202 and 503, e.g. a gateway 504 when a function ran past its timeout. */
  readonly other: SentTransfer[];
  /** When the fault's recovery step returned (the broker serves again). */
  readonly recoveredAt: number;
}

/**
 * Transfers between `accounts` from `lanes` clients in parallel, without Idempotency-Keys (a 503 must
 * then mean "nothing happened"), each client waiting `Retry-After` after a refusal, for `beforeMs`, then during `fault()` (the outage), then for `afterMs`
 * after it. Amounts count up from `firstAmount`, one per transfer.
 */
export async function transferStorm(options: {
  call: Call;
  accounts: readonly string[];
  lanes: number;
  beforeMs: number;
  afterMs: number;
  firstAmount: number;
  fault: () => Promise<void>;
}): Promise<Storm> {
  const random = seededRandom(options.firstAmount);
  const sent: SentTransfer[] = [];
  let nextAmount = options.firstAmount;
  let running = true;
  const lane = async () => {
    while (running) {
      const from = random.pick(options.accounts);
      const to = random.pick(options.accounts.filter((id) => id !== from));
      const amount = nextAmount;
      nextAmount += 1;
      const sentAt = Date.now();
      // An answer the API does not document (a gateway 504) fails the contract check: kept as its status.
      const response = await options
        .call('POST', '/accounts/{id}/transfers', `/accounts/${from}/transfers`, {
          body: { toAccountId: to, amount },
        })
        .catch((error: unknown) => ({
          status: Number(/→ (\d{3}) /.exec(String(error))?.[1] ?? 0),
          body: undefined,
        }));
      const transactionId = (response.body as { transactionId?: string } | undefined)?.transactionId;
      sent.push({
        from,
        to,
        amount,
        status: response.status,
        transactionId,
        sentAt,
        ms: Date.now() - sentAt,
      });
    }
  };
  const lanes = Array.from({ length: options.lanes }, lane);
  await sleep(options.beforeMs);
  await options.fault();
  const recoveredAt = Date.now();
  await sleep(options.afterMs);
  running = false;
  await Promise.all(lanes);
  return {
    accepted: sent.filter((t) => t.status === 202),
    refused: sent.filter((t) => t.status === 503),
    other: sent.filter((t) => t.status !== 202 && t.status !== 503),
    recoveredAt,
  };
}

/** A history entry as `GET /accounts/{id}/transactions` returns it. */
interface HistoryItem {
  transactionId: string;
  type: string;
  amount: number;
  status: string;
  counterparty?: string;
}

/**
 * Everything a client can check after a storm, read through the API only, counted:
 * - every accepted transfer reached a final status (none lost, none pending);
 * - each appears once in the payer's history, and once in the payee's when applied (none twice);
 * - every balance equals the opening balance plus the transfers that took effect, and the total is
 *   conserved;
 * - which refused (503) transfers took effect anyway (a debit with their unique amount).
 */
export async function auditStorm(
  call: Call,
  accounts: readonly string[],
  openingBalance: number,
  storm: Storm,
  settleTimeoutMs = 120_000,
) {
  const deadline = Date.now() + settleTimeoutMs;
  const statusOf = new Map<string, string>();
  let appliedAfterRecovery = 0;
  for (const transfer of storm.accepted) {
    const id = transfer.transactionId as string;
    for (;;) {
      const response = await call('GET', '/transactions/{transactionId}', `/transactions/${id}`);
      const status = (response.body as { status?: string }).status ?? `http ${response.status}`;
      if (status !== 'pending' || Date.now() > deadline) {
        statusOf.set(id, status);
        break;
      }
      await sleep(50);
    }
    if (transfer.sentAt >= storm.recoveredAt && statusOf.get(id) === 'applied') appliedAfterRecovery += 1;
  }

  const history = new Map<string, HistoryItem[]>();
  for (const account of accounts) history.set(account, await fullHistory(call, account));
  const balances = new Map<string, number>();
  for (const account of accounts) {
    const response = await call('GET', '/accounts/{id}', `/accounts/${account}`);
    balances.set(account, (response.body as { balance: number }).balance);
  }

  // The transfers that took effect: every debit in a payer's history that was not rejected.
  const debits = [...history.values()].flat().filter((item) => item.type === 'transfer_out');
  const appearances = new Map<string, number>();
  for (const item of [...history.values()].flat())
    if (item.type === 'transfer_out' || item.type === 'transfer_in')
      appearances.set(
        `${item.type}/${item.transactionId}`,
        (appearances.get(`${item.type}/${item.transactionId}`) ?? 0) + 1,
      );
  const tookEffect = (transfer: SentTransfer) =>
    debits.some(
      (item) =>
        item.amount === transfer.amount && item.counterparty === transfer.to && item.status !== 'rejected',
    );
  const expected = new Map(accounts.map((account) => [account, openingBalance]));
  for (const transfer of [...storm.accepted, ...storm.refused, ...storm.other].filter(tookEffect)) {
    expected.set(transfer.from, (expected.get(transfer.from) ?? 0) - transfer.amount);
    expected.set(transfer.to, (expected.get(transfer.to) ?? 0) + transfer.amount);
  }

  const finalStatuses = [...statusOf.values()];
  return {
    sent: storm.accepted.length + storm.refused.length + storm.other.length,
    accepted: storm.accepted.length,
    refused503: storm.refused.length,
    otherAnswers: storm.other.map((t) => t.status),
    slowestMs: Math.max(...[...storm.accepted, ...storm.refused, ...storm.other].map((t) => t.ms)),
    applied: finalStatuses.filter((s) => s === 'applied').length,
    rejected: finalStatuses.filter((s) => s === 'rejected').length,
    lost: finalStatuses.filter((s) => s !== 'applied' && s !== 'rejected').length,
    acceptedNotInHistory: storm.accepted.filter(
      (t) => (appearances.get(`transfer_out/${t.transactionId}`) ?? 0) === 0,
    ).length,
    appliedTwice: [...appearances.values()].filter((count) => count > 1).length,
    acceptedWithoutEffectYetApplied: storm.accepted.filter(
      (t) => statusOf.get(t.transactionId as string) === 'applied' && !tookEffect(t),
    ).length,
    balancesOffExpected: accounts.filter((account) => balances.get(account) !== expected.get(account)).length,
    negativeBalances: [...balances.values()].filter((balance) => balance < 0).length,
    total: [...balances.values()].reduce((sum, balance) => sum + balance, 0),
    expectedTotal: openingBalance * accounts.length,
    refusedThatTookEffect: storm.refused.filter(tookEffect).length,
    otherThatTookEffect: storm.other.filter(tookEffect).length,
    appliedAfterRecovery,
  };
}

async function fullHistory(call: Call, account: string): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${cursor}` : '?limit=100';
    const response = await call(
      'GET',
      '/accounts/{id}/transactions',
      `/accounts/${account}/transactions${query}`,
    );
    const page = response.body as { items: HistoryItem[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
