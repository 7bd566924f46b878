import { Redis } from '@upstash/redis';
import { requiredEnv } from '../config/env.js';
import { ConfigurationError } from '../config/errors.js';

let shared: Promise<Redis> | undefined;

/**
 * The Upstash client of this Lambda container, created on first use and reused by warm invocations.
 *
 * The URL comes from `UPSTASH_REDIS_REST_URL`. The token comes from `UPSTASH_REDIS_REST_TOKEN` when set
 * (local runs), otherwise from the SSM SecureString named by `UPSTASH_REDIS_REST_TOKEN_PARAMETER`, so a
 * deployed template never holds the secret. The SSM client is loaded only in that case.
 *
 * @example
 * ```ts
 * const redis = await redisClient();
 * await redis.get('key');
 * ```
 */
export function redisClient(env: NodeJS.ProcessEnv = process.env): Promise<Redis> {
  shared ??= createRedisClient(env).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * A new Upstash client, for tools and tests that want their own.
 *
 * @example
 * ```ts
 * const redis = await createRedisClient({ ...process.env, REDIS_KEY_PREFIX: 'test-1' });
 * ```
 */
export async function createRedisClient(env: NodeJS.ProcessEnv = process.env): Promise<Redis> {
  const url = requiredEnv('UPSTASH_REDIS_REST_URL', env);
  const token = await resolveToken(env);
  // A couple of quick retries ride out a dropped connection; longer outages are the caller's: the
  // projector throws so that the batch is retried, and a command answers 503.
  return new Redis({
    url,
    token,
    retry: { retries: 2, backoff: (attempt) => 50 * 2 ** attempt },
    enableTelemetry: false,
    // Values stay the strings Banku wrote: automatic deserialisation would turn a name like "1e3"
    // into the number 1000.
    automaticDeserialization: false,
    // Banku stores only UTF-8 text, so replies need no base64 wrapping; decoding it cost ~4 % of a batch.
    responseEncoding: false,
  });
}

async function resolveToken(env: NodeJS.ProcessEnv): Promise<string> {
  const literal = env.UPSTASH_REDIS_REST_TOKEN?.trim();
  if (literal) return literal;
  const parameterName = env.UPSTASH_REDIS_REST_TOKEN_PARAMETER?.trim();
  if (!parameterName) {
    throw new ConfigurationError(
      'UPSTASH_REDIS_REST_TOKEN',
      'is not set, and neither is UPSTASH_REDIS_REST_TOKEN_PARAMETER (the SSM SecureString holding it)',
    );
  }
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  const token = await getParameter(parameterName, { decrypt: true, maxAge: 300 });
  if (!token)
    throw new ConfigurationError(
      'UPSTASH_REDIS_REST_TOKEN_PARAMETER',
      `names an empty parameter: ${parameterName}`,
    );
  return token;
}
