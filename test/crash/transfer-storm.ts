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
  /** From the recovery until the API accepted a transfer again (its 202 arrived). */
  readonly acceptingAgainMs: number | undefined;
  /** From the recovery until the first transfer sent after it was decided: the projector is back. */
  readonly projectorResumedMs: number | undefined;
}

/**
 * Transfers between `accounts` from `lanes` clients in parallel, without Idempotency-Keys (a 503 must
 * then mean "nothing happened"), each client waiting `Retry-After` after a refusal, for `beforeMs`,
 * then during `fault()` (the outage), then for `afterMs` after it. Amounts count up from
 * `firstAmount`, one per transfer.
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
          headers: undefined,
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
      if (response.status === 503) await sleep(1_000 * Number(response.headers?.get('retry-after') ?? 1));
    }
  };
  const lanes = Array.from({ length: options.lanes }, lane);
  await sleep(options.beforeMs);
  await options.fault();
  const recoveredAt = Date.now();
  const resumed = projectorResumed(options.call, sent, recoveredAt);
  await sleep(options.afterMs);
  running = false;
  await Promise.all(lanes);
  const firstAcceptedAfter = Math.min(
    ...sent
      .filter((t) => t.status === 202 && t.sentAt + t.ms >= recoveredAt)
      .map((t) => t.sentAt + t.ms - recoveredAt),
  );
  return {
    accepted: sent.filter((t) => t.status === 202),
    refused: sent.filter((t) => t.status === 503),
    other: sent.filter((t) => t.status !== 202 && t.status !== 503),
    recoveredAt,
    acceptingAgainMs: Number.isFinite(firstAcceptedAfter) ? firstAcceptedAfter : undefined,
    projectorResumedMs: await resumed,
  };
}

/**
 * Waits for the first transfer sent after `recoveredAt` to be accepted, then for its decision; returns
 * how long after the recovery that decision was readable (undefined if not within two minutes).
 */
async function projectorResumed(
  call: Call,
  sent: readonly SentTransfer[],
  recoveredAt: number,
): Promise<number | undefined> {
  const deadline = recoveredAt + 120_000;
  let probe: SentTransfer | undefined;
  while (!probe && Date.now() < deadline) {
    probe = sent.find((t) => t.status === 202 && t.sentAt >= recoveredAt);
    if (!probe) await sleep(20);
  }
  while (probe && Date.now() < deadline) {
    const response = await call(
      'GET',
      '/transactions/{transactionId}',
      `/transactions/${probe.transactionId}`,
    );
    if ((response.body as { status?: string }).status !== 'pending') return Date.now() - recoveredAt;
    await sleep(20);
  }
  return undefined;
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
 * Everything a client can check after a storm, counted, read through the API but for one question only
 * the log answers (`onCommandsLog`: which transactions' requests reached the commands topic):
 * - every accepted transfer reached a final status (none lost, none pending);
 * - each appears once in the payer's history, and once in the payee's when applied (none twice);
 * - every balance equals the opening balance plus the transfers that took effect, and the total is
 *   conserved;
 * - which refused (503) transfers took effect anyway (a debit with their unique amount);
 * - what became of each 503: its request never reached the log, or it did and the projector decided
 *   it `rejected` for `abandoned` (the command cancelled it before answering).
 */
export async function auditStorm(
  call: Call,
  accounts: readonly string[],
  openingBalance: number,
  storm: Storm,
  onCommandsLog: () => Promise<ReadonlySet<string>>,
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

  // Read after the accepted transfers are decided, so a 503'd request that reached the log late is on it.
  const logged = await onCommandsLog();
  const refusedFates = { neverLogged: 0, rejectedAbandoned: 0, otherOutcome: [] as string[] };
  for (const transfer of storm.refused) {
    const id = transfer.transactionId;
    if (id === undefined) {
      refusedFates.otherOutcome.push('503 without a transactionId');
      continue;
    }
    if (!logged.has(id)) {
      refusedFates.neverLogged += 1;
      continue;
    }
    for (;;) {
      const response = await call('GET', '/transactions/{transactionId}', `/transactions/${id}`);
      const { status, reason } = response.body as { status?: string; reason?: string };
      if (status === 'rejected' && reason === 'abandoned') refusedFates.rejectedAbandoned += 1;
      else if (status === 'pending' && Date.now() <= deadline) {
        await sleep(50);
        continue;
      } else refusedFates.otherOutcome.push(`${status ?? response.status}${reason ? ` ${reason}` : ''}`);
      break;
    }
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
    refusedNeverLogged: refusedFates.neverLogged,
    refusedRejectedAbandoned: refusedFates.rejectedAbandoned,
    refusedOtherOutcome: refusedFates.otherOutcome,
    otherThatTookEffect: storm.other.filter(tookEffect).length,
    appliedAfterRecovery,
    acceptingAgainMs: storm.acceptingAgainMs,
    projectorResumedMs: storm.projectorResumedMs,
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
