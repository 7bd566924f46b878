import { z } from 'zod';

/**
 * Smallest amount a request may carry, in minor units (cents).
 *
 * @example
 * Amount.safeParse(MIN_AMOUNT).success; // true
 */
export const MIN_AMOUNT = 1;

/**
 * Largest amount a single request may carry, in minor units (10^12, i.e. 10 billion in a 2-decimal currency).
 *
 * @example
 * Amount.safeParse(MAX_AMOUNT + 1).success; // false
 */
export const MAX_AMOUNT = 1_000_000_000_000;

/**
 * Largest balance an account may hold. Past it, integer arithmetic on numbers stops being exact,
 * so deposits and credits that would cross it are rejected `balance_limit_exceeded`.
 *
 * @example
 * if (balance + amount > MAX_BALANCE) reject('balance_limit_exceeded');
 */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;

/**
 * An RFC 9562 UUID (any version 1–8), as used for event, transaction and account ids.
 *
 * @example
 * Uuid.parse('2d7651eb-c724-478a-b83c-f4a9018c0a92');
 */
export const Uuid = z.uuid();

/**
 * A money amount in minor units: an integer, {@link MIN_AMOUNT} ≤ amount ≤ {@link MAX_AMOUNT}.
 *
 * @example
 * Amount.parse(1250); // 12.50 in a 2-decimal currency
 */
export const Amount = z.int().min(MIN_AMOUNT).max(MAX_AMOUNT);

/**
 * An ISO-4217 alphabetic currency code (three upper-case letters). The list of codes is not checked:
 * the service treats currencies as opaque labels that must match for a transfer.
 *
 * @example
 * Currency.parse('EUR');
 */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO-4217 code such as "EUR"');

/**
 * An account holder's display name: trimmed, then 1–100 characters.
 *
 * @example
 * AccountName.parse('  Ada Lovelace '); // 'Ada Lovelace'
 */
export const AccountName = z.string().trim().min(1).max(100);

/**
 * An ISO-8601 date-time with `Z` or a numeric offset, e.g. `new Date().toISOString()`.
 *
 * @example
 * IsoDateTime.parse('2025-01-31T10:00:00.000Z');
 */
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * A client-supplied `Idempotency-Key` header value (1–255 characters).
 *
 * @example
 * IdempotencyKey.parse('order-4711-payment');
 */
export const IdempotencyKey = z.string().min(1).max(255);

/**
 * A correlation id joining every event of one business flow (usually the HTTP request id).
 *
 * @example
 * CorrelationId.parse('c0a8012e-req-42');
 */
export const CorrelationId = z.string().min(1).max(255);

/**
 * The kinds of principal a request can come from: a customer (owns and acts on its accounts) or an
 * operator (reads every account, moves no money).
 *
 * @example
 * PRINCIPAL_KINDS.includes('operator'); // true
 */
export const PRINCIPAL_KINDS = ['customer', 'operator'] as const;

/**
 * Who asked: the kind, and the subject (`sub`) of the verified bearer token.
 *
 * @example
 * Principal.parse({ kind: 'customer', subject: 'alice' });
 */
export const Principal = z.object({ kind: z.enum(PRINCIPAL_KINDS), subject: z.string().min(1).max(255) });
