/**
 * Base of the errors raised while finding or starting a Redis server.
 *
 * @example
 * ```ts
 * try { await resolveRedis(); } catch (e) { if (e instanceof RedisResolveError) console.error(e.message); }
 * ```
 */
export class RedisResolveError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A Redis named explicitly (by `REDIS_URL`) does not answer PING.
 *
 * @example
 * ```ts
 * await expect(resolveRedis({ REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(RedisUnreachableError);
 * ```
 */
export class RedisUnreachableError extends RedisResolveError {}

/**
 * No Redis to use: `REDIS_URL` is unset, none answers at the default address and `redis-server` is
 * not installed. The message says how to get one.
 *
 * @example
 * ```ts
 * if (error instanceof RedisNotAvailableError) process.exitCode = 2;
 * ```
 */
export class RedisNotAvailableError extends RedisResolveError {}

/**
 * `redis-server` was found but did not come up (exited, or did not answer PING in time).
 *
 * @example
 * ```ts
 * if (error instanceof RedisStartError) console.error(error.message); // includes the server's last output
 * ```
 */
export class RedisStartError extends RedisResolveError {}
