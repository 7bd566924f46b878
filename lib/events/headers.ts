import { CURRENT_SCHEMA_VERSION } from './schema-versions.js';

/**
 * Kafka header names Banku sets on every message.
 *
 * @example
 * const type = message.headers?.[KAFKA_HEADERS.eventType]?.toString();
 */
export const KAFKA_HEADERS = {
  eventType: 'event-type',
  contentType: 'content-type',
  schemaVersion: 'schema-version',
  traceparent: 'traceparent',
} as const;

/**
 * Value of the `content-type` header.
 *
 * @example
 * headers[KAFKA_HEADERS.contentType] === CONTENT_TYPE_JSON;
 */
export const CONTENT_TYPE_JSON = 'application/json';

// W3C Trace Context: version-traceid-parentid-flags, lower-case hex, all-zero ids invalid.
const TRACEPARENT = /^[\da-f]{2}-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-[\da-f]{2}$/;

/**
 * Whether a string is a valid W3C `traceparent` value.
 *
 * @example
 * isTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'); // true
 */
export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value) && !value.startsWith('ff');
}

/**
 * Header map for one event (a request or a fact), ready for kafkajs `messages[].headers`. `traceparent` is added only when it is a
 * valid W3C value: a malformed one is dropped, as the W3C spec asks, instead of poisoning downstream traces.
 *
 * @example
 * kafkaHeaders(event, { traceparent: process.env._X_AMZN_TRACE_ID_AS_W3C });
 * // { 'event-type': 'DepositRequested', 'content-type': 'application/json', 'schema-version': '1' }
 */
export function kafkaHeaders(
  event: { readonly type: string; readonly schemaVersion?: number },
  options: { traceparent?: string | null } = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    [KAFKA_HEADERS.eventType]: event.type,
    [KAFKA_HEADERS.contentType]: CONTENT_TYPE_JSON,
    [KAFKA_HEADERS.schemaVersion]: String(event.schemaVersion ?? CURRENT_SCHEMA_VERSION),
  };
  const { traceparent } = options;
  if (traceparent && isTraceparent(traceparent)) headers[KAFKA_HEADERS.traceparent] = traceparent;
  return headers;
}
