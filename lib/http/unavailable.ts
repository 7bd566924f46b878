import { HttpError } from './errors.js';

/**
 * 503 `{error, message}` with `Retry-After`: a dependency (Kafka, Redis) could not be reached, nothing
 * was done that a retry would duplicate, and the same request may be sent again.
 *
 * @example
 * ```ts
 * throw new ServiceUnavailableError('redis_unavailable', 'the projection store did not answer', 1);
 * ```
 */
export class ServiceUnavailableError extends HttpError {
  constructor(error: 'kafka_unavailable' | 'redis_unavailable', message: string, retryAfterSeconds: number) {
    super(503, { error, message }, { 'Retry-After': String(retryAfterSeconds) });
    this.name = 'ServiceUnavailableError';
  }
}
