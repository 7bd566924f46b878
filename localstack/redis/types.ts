/** A Redis server to use: one found running, or one started here. */
export interface RedisServer {
  /** e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** The pid of the `redis-server` started here; absent for a server found running. */
  readonly pid?: number;
  /** Stops the server if it was started here (SIGTERM, waiting for its exit); otherwise does nothing. */
  stop(): Promise<void>;
}

/** Options of `resolveRedis`, mostly for tests. */
export interface ResolveRedisOptions {
  /**
   * Tried when `REDIS_URL` is unset, used if it answers PING; `redis://127.0.0.1:6379` by default.
   * `null` skips it, straight to starting `redis-server`.
   */
  defaultUrl?: string | null;
  /** The executable to start, `redis-server` (looked up on PATH) by default. */
  redisServerCommand?: string;
  /** How long a PING may take, in ms (2000 by default). */
  pingTimeoutMs?: number;
  /** How long a started `redis-server` may take to answer PING, in ms (10000 by default). */
  startTimeoutMs?: number;
}
