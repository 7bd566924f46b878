import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * Service name stamped on every log line (`service` field).
 *
 * @example
 * ```ts
 * new Metrics({ serviceName: SERVICE_NAME });
 * ```
 */
export const SERVICE_NAME = 'banku';

/**
 * What a redacted value is replaced with.
 *
 * @example
 * ```ts
 * expect(line.token).toBe(REDACTED);
 * ```
 */
export const REDACTED = '[redacted]';

// Keys whose values are credentials, personal data or whole payloads, compared without case, `-` or
// `_`. Matched on the key alone so a value is dropped wherever it is nested (headers, SDK errors,
// kafkajs log extras, an event or account logged whole). Log ids instead: accountId, transactionId.
const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'xamzsecuritytoken',
  'secretaccesskey',
  'apikey',
  'xapikey',
  'credential',
  'credentials',
  'sasl',
  'body',
  'rawbody',
  // Personal data, and what a client may have built from it. (`name` cannot be listed: errors have one.)
  'balance',
  'balanceafter',
  'idempotencykey',
]);

/**
 * JSON replacer that blanks credentials, balances, Idempotency-Keys and request/response bodies,
 * whatever object they sit in.
 * Installed on every logger this module makes; exported for loggers built elsewhere.
 *
 * @example
 * ```ts
 * JSON.stringify({ headers: { authorization: 'Bearer x' } }, redactSensitive);
 * // '{"headers":{"authorization":"[redacted]"}}'
 * ```
 */
export function redactSensitive(key: string, value: unknown): unknown {
  if (value !== undefined && value !== null && SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''))) {
    return REDACTED;
  }
  return value;
}

/**
 * A Powertools logger for Banku: service `banku`, secrets and bodies redacted. The level comes from
 * `POWERTOOLS_LOG_LEVEL` / `AWS_LAMBDA_LOG_LEVEL` (Powertools' own rules) unless `options.logLevel` says.
 * Most code wants the shared {@link logger}; build your own only for an isolated test or tool.
 *
 * @example
 * ```ts
 * const quiet = createLogger({ logLevel: 'ERROR' });
 * quiet.error('projection failed', { accountId });
 * ```
 */
export function createLogger(options: ConstructorOptions = {}): Logger {
  return new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redactSensitive, ...options });
}

/**
 * The logger every Banku module shares within one Lambda container, so per-request keys such as the
 * correlation id reach every line, including those kafkajs writes through `lib/kafka`.
 *
 * @example
 * ```ts
 * import { logger } from '../logging/logger.js';
 * logger.info('deposit accepted', { accountId, amount });
 * ```
 */
export const logger: Logger = createLogger();

/**
 * Tags the following log lines of this request with `correlation_id` (replacing the previous request's),
 * or removes the tag when given `undefined`. Call it at the start of each invocation: Lambda reuses the
 * container, so the shared logger outlives the request.
 *
 * @example
 * ```ts
 * setCorrelationId(event.headers['x-correlation-id'] ?? context.awsRequestId);
 * ```
 */
export function setCorrelationId(correlationId: string | undefined, target: Logger = logger): void {
  target.removeKeys(['correlation_id']);
  if (correlationId !== undefined && correlationId !== '') target.setCorrelationId(correlationId);
}

/**
 * The correlation id currently on the logger, if any.
 *
 * @example
 * ```ts
 * const metadata = { correlationId: getCorrelationId() ?? randomUUID(), causationId: null };
 * ```
 */
export function getCorrelationId(target: Logger = logger): string | undefined {
  const value = target.getCorrelationId();
  return typeof value === 'string' ? value : undefined;
}
