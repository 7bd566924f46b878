import { RedisNotAvailableError, RedisUnreachableError } from './errors.js';
import { answersPing, pingRedis } from './ping-redis.js';
import { redactUrl } from './redact-url.js';
import { spawnRedisServer } from './spawn-redis-server.js';
import type { RedisServer, ResolveRedisOptions } from './types.js';

export type { RedisServer, ResolveRedisOptions } from './types.js';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * Finds the Redis server for local runs and tests, in this order:
 * 1. `REDIS_URL`, when set; if it does not answer PING, fails with `RedisUnreachableError` rather
 *    than quietly using another server;
 * 2. `redis://127.0.0.1:6379`, if a server answers PING there;
 * 3. a `redis-server` from PATH, started on a free port without persistence and stopped by `stop()`;
 * 4. otherwise `RedisNotAvailableError`, saying how to get one.
 *
 * Only servers started here are stopped by `stop()`; for the others it does nothing.
 *
 * @example
 * ```ts
 * const redis = await resolveRedis(process.env);
 * const endpoint = await startUpstashEndpoint({ redisUrl: redis.url });
 * // ...
 * await endpoint.stop();
 * await redis.stop();
 * ```
 */
export async function resolveRedis(
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveRedisOptions = {},
): Promise<RedisServer> {
  const pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  const explicit = env.REDIS_URL?.trim();
  if (explicit) {
    try {
      await pingRedis(explicit, pingTimeoutMs);
    } catch (error) {
      throw new RedisUnreachableError(
        `REDIS_URL=${redactUrl(explicit)} does not answer PING: ${error instanceof Error ? error.message : String(error)}. ` +
          'Start that server, or unset REDIS_URL to use 127.0.0.1:6379 or a redis-server started for this run.',
        { cause: error },
      );
    }
    return running(explicit);
  }

  const defaultUrl = options.defaultUrl === undefined ? DEFAULT_URL : options.defaultUrl;
  if (defaultUrl !== null && (await answersPing(defaultUrl, pingTimeoutMs))) return running(defaultUrl);

  try {
    return await spawnRedisServer({
      ...(options.redisServerCommand ? { command: options.redisServerCommand } : {}),
      ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
    });
  } catch (error) {
    if (!(error instanceof RedisNotAvailableError)) throw error;
    const tried = defaultUrl === null ? '' : `nothing answers PING at ${redactUrl(defaultUrl)}, and `;
    throw new RedisNotAvailableError(
      `No Redis server to use: REDIS_URL is not set, ${tried}${error.message}. ` +
        'Install Redis (e.g. `apt-get install redis-server`) or set REDIS_URL=redis://host:port.',
      { cause: error },
    );
  }
}

function running(url: string): RedisServer {
  return { url, stop: async () => undefined };
}
