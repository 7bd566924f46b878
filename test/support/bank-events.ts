import { randomUUID } from 'node:crypto';
import { createEvent } from '../../lib/events/create-event.js';
import type { Principal } from '../../lib/domain/types.js';
import type { BankEvent } from '../../lib/events/types.js';

/** The customer the test requests come from unless they say otherwise: the owner of what it opens. */
export const HOLDER: Principal = { kind: 'customer', subject: 'test-holder' };

/**
 * Builds request events as the command routes publish them, with fresh ids and a fixed clock, each
 * from `principal` (the {@link HOLDER} unless a test names another).
 */
export function bankEvents(
  clock = () => new Date('2026-01-01T00:00:00.000Z').toISOString(),
  principal: Principal = HOLDER,
) {
  const metadata = () => ({ correlationId: randomUUID(), causationId: null, idempotencyKey: null });
  return {
    open: (accountId: string, currency = 'USD', name = 'Test Holder'): BankEvent =>
      createEvent<'AccountOpenRequested'>({
        eventId: randomUUID(),
        type: 'AccountOpenRequested',
        accountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), name, currency, principal },
        metadata: metadata(),
      }),
    deposit: (accountId: string, amount: number): BankEvent =>
      createEvent<'DepositRequested'>({
        eventId: randomUUID(),
        type: 'DepositRequested',
        accountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), amount, principal },
        metadata: metadata(),
      }),
    withdraw: (accountId: string, amount: number): BankEvent =>
      createEvent<'WithdrawalRequested'>({
        eventId: randomUUID(),
        type: 'WithdrawalRequested',
        accountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), amount, principal },
        metadata: metadata(),
      }),
    transfer: (fromAccountId: string, toAccountId: string, amount: number): BankEvent =>
      createEvent<'TransferRequested'>({
        eventId: randomUUID(),
        type: 'TransferRequested',
        accountId: fromAccountId,
        occurredAt: clock(),
        data: { transactionId: randomUUID(), toAccountId, amount, principal },
        metadata: metadata(),
      }),
  };
}
