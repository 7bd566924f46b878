import { z } from 'zod';

/**
 * The six event types on the log. The first four are published by the HTTP functions; the two
 * `Transfer*Requested` saga steps are published only by the projector (through its outbox).
 *
 * @example
 * EVENT_TYPES.includes('DepositRequested'); // true
 */
export const EVENT_TYPES = [
  'AccountOpenRequested',
  'DepositRequested',
  'WithdrawalRequested',
  'TransferRequested',
  'TransferCreditRequested',
  'TransferRefundRequested',
] as const;

/**
 * Schema of an {@link EVENT_TYPES} member.
 *
 * @example
 * EventTypeSchema.safeParse('Nope').success; // false
 */
export const EventTypeSchema = z.enum(EVENT_TYPES);

/**
 * Whether a string names one of the {@link EVENT_TYPES}.
 *
 * @example
 * isEventType('TransferRequested'); // true
 */
export function isEventType(value: unknown): value is (typeof EVENT_TYPES)[number] {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
