import { Redis } from 'ioredis';
import { redactUrl } from './redact-url.js';

/**
 * Resolves once the Redis at `url` answers PING, rejects (with the reason) when it does not within
 * `timeoutMs`: refused, unknown host, wrong password, or something that is not Redis.
 *
 * @example
 * ```ts
 * await pingRedis('redis://127.0.0.1:6379', 2000);
 * ```
 */
export async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  const connection = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // The failure is reported through the rejected promise; this keeps ioredis from also printing it.
  connection.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer to PING from ${redactUrl(url)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        await connection.connect();
        await connection.ping();
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    connection.disconnect();
  }
}

/**
 * Whether the Redis at `url` answers PING within `timeoutMs`.
 *
 * @example
 * ```ts
 * if (await answersPing('redis://127.0.0.1:6379', 500)) console.log('a Redis is running');
 * ```
 */
export async function answersPing(url: string, timeoutMs: number): Promise<boolean> {
  try {
    await pingRedis(url, timeoutMs);
    return true;
  } catch {
    return false;
  }
}
