import { randomUUID } from 'node:crypto';
import { createEvent } from '../../lib/events/create-event.js';
import type { BankEvent } from '../../lib/events/types.js';

/** Builds request events as the command routes publish them, with fresh ids and a fixed clock. */
export function bankEvents(clock = () => new Date('2026-01-01T00:00:00.000Z').toISOString()) {
  const metadata = () => ({ correlationId: randomUUID(), causationId: null, idempotencyKey: null });
  return {
    open: (accountId: string, currency = 'USD', name = 'Test Holder'): BankEvent =>
      createEvent<'AccountOpenRequested'>({
        eventId: randomUUID(),
        type: 'AccountOpenRequested',
        accountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), name, currency },
        metadata: metadata(),
      }),
    deposit: (accountId: string, amount: number): BankEvent =>
      createEvent<'DepositRequested'>({
        eventId: randomUUID(),
        type: 'DepositRequested',
        accountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), amount },
        metadata: metadata(),
      }),
    withdraw: (accountId: string, amount: number): BankEvent =>
      createEvent<'WithdrawalRequested'>({
        eventId: randomUUID(),
        type: 'WithdrawalRequested',
        accountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), amount },
        metadata: metadata(),
      }),
    transfer: (fromAccountId: string, toAccountId: string, amount: number): BankEvent =>
      createEvent<'TransferRequested'>({
        eventId: randomUUID(),
        type: 'TransferRequested',
        accountId: fromAccountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), toAccountId, amount },
        metadata: metadata(),
      }),
  };
}
