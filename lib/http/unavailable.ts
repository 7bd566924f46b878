import { HttpError } from './errors.js';

/**
 * 503 `{error, message, …}` with `Retry-After`: a dependency (Kafka, Redis) did not answer in time or
 * could not be reached. `details` adds fields to the body, such as the `transactionId` a client can
 * look up when a command's publish was not confirmed.
 *
 * @example
 * ```ts
 * throw new ServiceUnavailableError('redis_unavailable', 'the projection store did not answer', 1);
 * ```
 */
export class ServiceUnavailableError extends HttpError {
  constructor(
    error: 'kafka_unavailable' | 'redis_unavailable',
    message: string,
    retryAfterSeconds: number,
    details: Record<string, unknown> = {},
  ) {
    super(503, { error, message, ...details }, { 'Retry-After': String(retryAfterSeconds) });
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * The 503 of any route whose Redis did not answer: nothing was changed, the same request may be sent
 * again.
 *
 * @example
 * ```ts
 * if (error instanceof RedisUnavailableError) throw redisUnavailable();
 * ```
 */
export function redisUnavailable(): ServiceUnavailableError {
  return new ServiceUnavailableError('redis_unavailable', 'the data store did not answer; retry later', 1);
}
