/**
 * Upstash did not answer in time, could not be reached, or answered something that is not a reply
 * (a proxy's error page, a 5xx). Nothing is known about whether a write took effect; the caller retries
 * later: the projector's batch is retried, an HTTP route answers 503 with `Retry-After`.
 *
 * @example
 * ```ts
 * if (error instanceof RedisUnavailableError) return serviceUnavailable('redis_unavailable');
 * ```
 */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Redis refused a command (a script error, a wrong key type, a bad token). The message is the server's
 * error text without the command's arguments, which hold names and balances.
 *
 * @example
 * ```ts
 * await expect(redis.hgetall('a-string-key')).rejects.toThrow(RedisCommandError);
 * ```
 */
export class RedisCommandError extends Error {
  override readonly name = 'RedisCommandError';

  constructor(message: string) {
    super(message);
  }
}
