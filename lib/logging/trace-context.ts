import { createHash } from 'node:crypto';
import { isTraceparent, KAFKA_HEADERS } from '../events/headers.js';

/**
 * Trace continuity from an HTTP request to everything it causes. The command function puts the
 * request's W3C `traceparent` on the record it publishes; the projector reads it back from each record,
 * logs that trace id (and the event's correlation id) on the record's lines, and publishes what the
 * record causes with a child `traceparent` of the same trace. One trace id then follows a transfer from
 * its POST through both accounts' partitions, in the logs alone.
 *
 * Hand-written: the W3C format is two regexes and a hash, and an OpenTelemetry SDK in every function
 * would cost far more cold start than it saves.
 */

/** The parts of a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`). */
export interface TraceContext {
  /** 32 lower-case hex digits, shared by every span of the trace. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the span that caused this one. */
  readonly parentId: string;
  /** 2 hex digits; `01` = sampled. */
  readonly flags: string;
}

/**
 * The parts of a `traceparent`, or undefined when it is missing or not valid W3C.
 *
 * @example
 * ```ts
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId; // '4bf9…4736'
 * ```
 */
export function parseTraceparent(value: string | undefined | null): TraceContext | undefined {
  if (!value || !isTraceparent(value)) return undefined;
  const [, traceId = '', parentId = '', flags = ''] = value.split('-');
  return { traceId, parentId, flags };
}

// Root=1-<8 hex: epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>, in any order.
const XRAY_ROOT = /(?:^|;)\s*Root=1-([\da-f]{8})-([\da-f]{24})(?:;|$)/;
const XRAY_PARENT = /(?:^|;)\s*Parent=([\da-f]{16})(?:;|$)/;
const XRAY_SAMPLED = /(?:^|;)\s*Sampled=1(?:;|$)/;

/**
 * The Lambda invocation's X-Ray trace (`_X_AMZN_TRACE_ID`, which API Gateway starts when tracing is on)
 * as a W3C `traceparent`: the X-Ray trace id `1-5759e988-bd862e3fe1be46a994272793` is the W3C trace id
 * `5759e988bd862e3fe1be46a994272793`.
 *
 * @example
 * ```ts
 * traceparentFromXRay('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
 * // '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01'
 * ```
 */
export function traceparentFromXRay(
  header: string | undefined = process.env._X_AMZN_TRACE_ID,
): string | undefined {
  if (!header) return undefined;
  const root = XRAY_ROOT.exec(header);
  const parent = XRAY_PARENT.exec(header);
  if (!root || !parent) return undefined;
  const traceparent = `00-${root[1]}${root[2]}-${parent[1]}-${XRAY_SAMPLED.test(header) ? '01' : '00'}`;
  return isTraceparent(traceparent) ? traceparent : undefined;
}

/**
 * The trace a request belongs to: the caller's own `traceparent` when it sent a valid one (its trace
 * continues), else the trace API Gateway started for it (X-Ray), else none.
 *
 * @example
 * ```ts
 * kafkaHeaders(event, { traceparent: requestTraceparent(readHeader(request.headers, 'traceparent')) });
 * ```
 */
export function requestTraceparent(
  callerTraceparent: string | undefined | null,
  xrayHeader: string | undefined = process.env._X_AMZN_TRACE_ID,
): string | undefined {
  return parseTraceparent(callerTraceparent)
    ? (callerTraceparent ?? undefined)
    : traceparentFromXRay(xrayHeader);
}

/**
 * A `traceparent` for something a traced record causes: the same trace and flags, and a span id
 * derived from `spanKey` (the caused event's id). Deterministic, so a follow-up republished after a
 * crash carries the same headers as the first copy.
 *
 * @example
 * ```ts
 * childTraceparent(requestTraceparent, followUp.eventId); // '00-<same trace id>-<16 hex>-01'
 * ```
 */
export function childTraceparent(parent: string | undefined, spanKey: string): string | undefined {
  const context = parseTraceparent(parent);
  if (!context) return undefined;
  let spanId = createHash('sha256').update(spanKey).digest('hex').slice(0, 16);
  if (/^0+$/.test(spanId)) spanId = '0000000000000001';
  return `00-${context.traceId}-${spanId}-${context.flags}`;
}

/**
 * The `traceparent` header of a record as an event source mapping delivers it (headers as a list of
 * `{ name: byte values }`), or undefined when it has none or an invalid one.
 *
 * @example
 * ```ts
 * const traceparent = recordTraceparent(record.headers);
 * ```
 */
export function recordTraceparent(headers: readonly Record<string, unknown>[]): string | undefined {
  for (const header of headers) {
    const bytes = header[KAFKA_HEADERS.traceparent];
    if (Array.isArray(bytes)) {
      const value = Buffer.from(bytes as number[]).toString('latin1');
      return parseTraceparent(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The keys that tie a log line to the request behind it: `trace_id` (W3C; the X-Ray trace id without
 * its `1-` and dashes) and `correlation_id`. Keys with no value are left out.
 *
 * @example
 * ```ts
 * logger.info('event projected', { eventId, ...requestLogKeys(traceparent, event.metadata.correlationId) });
 * ```
 */
export function requestLogKeys(
  traceparent: string | undefined,
  correlationId: string | undefined,
): { trace_id?: string; correlation_id?: string } {
  const traceId = parseTraceparent(traceparent)?.traceId;
  return {
    ...(traceId ? { trace_id: traceId } : {}),
    ...(correlationId ? { correlation_id: correlationId } : {}),
  };
}
