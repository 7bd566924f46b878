/**
 * Banku's event contract: the one set of schemas, types, codec, headers and id rules shared by every producer
 * (HTTP functions, projector outbox) and consumer (projector).
 *
 * @example
 * import { decodeEvent, encodeEvent, kafkaHeaders } from '../events/index.js';
 */
export { canonicalJson } from './canonical-json.js';
export { decodeEvent, encodeEvent } from './codec.js';
export { createEvent, type NewEvent } from './create-event.js';
export { CanonicalJsonError, EventValidationError } from './errors.js';
export { EVENT_TYPES, EventTypeSchema, isEventType } from './event-types.js';
export { CONTENT_TYPE_JSON, isTraceparent, KAFKA_HEADERS, kafkaHeaders } from './headers.js';
export {
  BANKU_ID_NAMESPACE,
  deriveRequestId,
  type FingerprintInput,
  type RequestIdKind,
  type RequestIds,
  randomId,
  requestFingerprint,
  requestIds,
  transferCreditEventId,
  transferRefundEventId,
} from './ids.js';
export {
  AccountName,
  Amount,
  CorrelationId,
  Currency,
  IdempotencyKey,
  IsoDateTime,
  MAX_AMOUNT,
  MAX_BALANCE,
  MIN_AMOUNT,
  Uuid,
} from './primitives.js';
export { REASON_CODES, ReasonCodeSchema } from './reason-codes.js';
export * from './schema-v1.js';
export {
  BankEventSchema,
  CURRENT_SCHEMA_VERSION,
  type SchemaVersionReader,
  SUPPORTED_SCHEMA_VERSIONS,
  schemaVersionReader,
} from './schema-versions.js';
export type * from './types.js';
