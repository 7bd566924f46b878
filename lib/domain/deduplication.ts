import type { BankEvent } from '../events/types.js';

/**
 * Identifies one decision: `<transactionId>:<request type>`. A request seen again (an HTTP retry with the same
 * Idempotency-Key, an outbox republishing a credit or refund) has the same key, because every id involved is
 * deterministic, so the projector records the keys it decided and skips requests whose key it has already seen.
 *
 * The key names the step, not the transaction's stage: each step of a transfer is decided on a different
 * partition, and a rebuild may run the destination's partition ahead of the source's, so "the transaction has
 * reached stage N" would wrongly mark a source's first transfer request as seen. Only the request's own
 * partition ever records its key, which keeps deduplication, and so every decision, a function of that
 * partition's log alone.
 *
 * @example
 * decisionKey(transfer); // '5b1f…-…:TransferRequested'
 */
export function decisionKey(request: Pick<BankEvent, 'type' | 'data'>): string {
  return `${request.data.transactionId}:${request.type}`;
}
