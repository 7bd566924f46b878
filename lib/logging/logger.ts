import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type {
  ConstructorOptions,
  LogItemExtraInput,
  LogItemMessage,
} from '@aws-lambda-powertools/logger/types';

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
  if (value !== undefined && value !== null && isSensitiveKey(key)) return REDACTED;
  return value;
}

// Every key of every line passes here, and the same few keys come back: remember each one's answer.
const keyIsSensitive = new Map<string, boolean>();
const MAX_REMEMBERED_KEYS = 10_000;

function isSensitiveKey(key: string): boolean {
  let sensitive = keyIsSensitive.get(key);
  if (sensitive === undefined) {
    sensitive = SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
    // Keys are names in code, but an object logged whole (headers) brings names from outside.
    if (keyIsSensitive.size >= MAX_REMEMBERED_KEYS) keyIsSensitive.clear();
    keyIsSensitive.set(key, sensitive);
  }
  return sensitive;
}

// The correlation id of the invocation a line is logged in. It lives in the invocation's async context,
// not on the shared logger, because one module can serve several invocations at once: under Lambda
// Managed Instances, and in serverless-offline's in-process mode (`npm run dev`), where a shared key
// tagged concurrent requests' lines with each other's ids. Powertools scopes its own keys per
// invocation only through the Lambda runtime's InvokeStore, which serverless-offline does not provide.
const invocation = new AsyncLocalStorage<string | undefined>();

class InvocationScopedLogger extends Logger {
  protected override createAndPopulateLogItem(
    logLevel: number,
    input: LogItemMessage,
    extraInput: LogItemExtraInput,
  ): LogItem {
    const item = super.createAndPopulateLogItem(logLevel, input, extraInput);
    const correlationId = invocation.getStore();
    return correlationId === undefined ? item : item.addAttributes({ correlation_id: correlationId });
  }
}

/**
 * A Powertools logger for Banku: service `banku`, secrets and bodies redacted, and the correlation id of
 * the invocation ({@link runWithCorrelationId}) on every line. The level comes from `POWERTOOLS_LOG_LEVEL` /
 * `AWS_LAMBDA_LOG_LEVEL` (Powertools' own rules) unless `options.logLevel` says. Most code wants the
 * shared {@link logger}; build your own only for an isolated test or tool.
 *
 * @example
 * ```ts
 * const quiet = createLogger({ logLevel: 'ERROR' });
 * quiet.error('projection failed', { accountId });
 * ```
 */
export function createLogger(options: ConstructorOptions = {}): Logger {
  return new InvocationScopedLogger({
    serviceName: SERVICE_NAME,
    jsonReplacerFn: redactSensitive,
    ...options,
  });
}

/**
 * The logger every Banku module shares within one Lambda container, so the invocation's correlation id
 * reaches every line, including those kafkajs writes through `lib/kafka`.
 *
 * @example
 * ```ts
 * import { logger } from '../logging/logger.js';
 * logger.info('deposit accepted', { accountId, amount });
 * ```
 */
export const logger: Logger = createLogger();

/**
 * Runs one invocation's work with `correlation_id` on every line it logs, through any logger from
 * {@link createLogger}, however many invocations the module serves at once. Lines logged outside carry
 * none; an empty id tags nothing.
 *
 * @example
 * ```ts
 * return runWithCorrelationId(event.headers['x-correlation-id'] ?? context.awsRequestId, () => handle(event));
 * ```
 */
export function runWithCorrelationId<T>(correlationId: string | undefined, work: () => T): T {
  return invocation.run(correlationId || undefined, work);
}

/**
 * The correlation id of the invocation running now, if any.
 *
 * @example
 * ```ts
 * const metadata = { correlationId: getCorrelationId() ?? randomUUID(), causationId: null };
 * ```
 */
export function getCorrelationId(): string | undefined {
  return invocation.getStore();
}
