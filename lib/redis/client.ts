import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { errors, Redis, type RedisConfigNodejs, type UpstashRequest } from '@upstash/redis';
import { requiredEnv } from '../config/env.js';
import { ConfigurationError } from '../config/errors.js';
import { RedisCommandError, RedisUnavailableError } from './errors.js';

/**
 * Longest one Upstash HTTP request may take, its retries of a dropped connection included. Upstash
 * answers in milliseconds from the same region; two seconds is far past a healthy tail, and short enough
 * that a command's admission (at most two requests: EVALSHA, then EVAL when the script is not cached)
 * still leaves the Kafka publish its whole budget before the function times out (see
 * `lib/http/deadline.ts`).
 *
 * @example
 * ```ts
 * await createRedisClient(env, { requestTimeoutMs: UPSTASH_REQUEST_TIMEOUT_MS * 5 }); // a batch tool
 * ```
 */
export const UPSTASH_REQUEST_TIMEOUT_MS = 2_000;

/**
 * How long each attempt to read the Upstash token from SSM may take, and how many attempts are made.
 * SSM answers in tens of milliseconds; a second attempt rides out throttling when many containers start
 * at once. Worst case ≈ 2 × 1 s plus a backoff of at most 200 ms, paid once per container and token refresh.
 *
 * @example
 * ```ts
 * new SSMClient({ maxAttempts: SSM_DEADLINE.attempts, requestHandler: { requestTimeout: SSM_DEADLINE.attemptTimeoutMs } });
 * ```
 */
export const SSM_DEADLINE = Object.freeze({ attemptTimeoutMs: 1_000, attempts: 2 });

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /** Deadline of each HTTP request. Default {@link UPSTASH_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
}

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
 * A new Upstash client, for tools and tests that want their own. Every request has a deadline; a
 * failure comes out as {@link RedisUnavailableError} (no answer in time, unreachable, not a reply) or
 * {@link RedisCommandError} (Redis refused the command), never with the command's arguments in its
 * message: those hold names and balances, and error messages end up in logs.
 *
 * @example
 * ```ts
 * const redis = await createRedisClient({ ...process.env, REDIS_KEY_PREFIX: 'test-1' });
 * ```
 */
export async function createRedisClient(
  env: NodeJS.ProcessEnv = process.env,
  options: RedisClientOptions = {},
): Promise<Redis> {
  const url = requiredEnv('UPSTASH_REDIS_REST_URL', env);
  const token = await resolveToken(env);
  return new DeadlineRedis(
    {
      url,
      token,
      // A couple of quick retries ride out a dropped connection; longer outages are the caller's: the
      // projector throws so that the batch is retried, and a command answers 503.
      retry: { retries: 2, backoff: (attempt) => 50 * 2 ** attempt },
      enableTelemetry: false,
      // Values stay the strings Banku wrote: automatic deserialisation would turn a name like "1e3"
      // into the number 1000.
      automaticDeserialization: false,
      // Banku stores only UTF-8 text, so replies need no base64 wrapping; decoding it cost ~4 % of a batch.
      responseEncoding: false,
      // One call, one HTTP request. Auto-pipelining would merge whatever is in flight at once — the
      // partitions of one invocation, each with its own batch — into one request that Upstash runs one
      // command after another, so every partition would wait for all of them and fail with any of them.
      // Where several commands belong together, the caller says so with an explicit pipeline.
      enableAutoPipelining: false,
    },
    options.requestTimeoutMs ?? UPSTASH_REQUEST_TIMEOUT_MS,
  );
}

// Subclassed for the one place every request passes: the client's requester (a protected member).
// Upstash's own errors say `…, command was: [every argument]`, which would put a Lua payload, with
// names and balances, into whatever logs the error.
class DeadlineRedis extends Redis {
  constructor(config: RedisConfigNodejs, timeoutMs: number) {
    // A function, not a signal: called per request, so each gets its own deadline, and an aborted
    // request throws (a static signal would make the client answer the string "Aborted" as a result).
    super({ ...config, signal: () => AbortSignal.timeout(timeoutMs) });
    const requester = this.client;
    const send = requester.request.bind(requester);
    requester.request = async <TResult>(request: UpstashRequest) => {
      try {
        return await send<TResult>(request);
      } catch (error) {
        throw translateError(error, timeoutMs);
      }
    };
  }
}

const COMMAND_ECHO = ', command was: ';

function translateError(error: unknown, timeoutMs: number): Error {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RedisUnavailableError(`Upstash did not answer within ${timeoutMs} ms`);
  }
  if (error instanceof errors.UpstashJSONParseError) {
    return new RedisUnavailableError('Upstash answered something that is not a JSON reply');
  }
  if (error instanceof errors.UpstashError) {
    const echo = error.message.indexOf(COMMAND_ECHO);
    return new RedisCommandError(echo === -1 ? error.message : error.message.slice(0, echo));
  }
  // fetch's own failures (refused, reset, DNS) carry only the address.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new RedisUnavailableError(`Upstash could not be reached${cause}`, { cause: error });
}

let ssm: Promise<SSMProvider> | undefined;

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
  ssm ??= import('@aws-lambda-powertools/parameters/ssm').then(
    ({ SSMProvider }) =>
      new SSMProvider({
        clientConfig: {
          maxAttempts: SSM_DEADLINE.attempts,
          requestHandler: {
            connectionTimeout: SSM_DEADLINE.attemptTimeoutMs,
            requestTimeout: SSM_DEADLINE.attemptTimeoutMs,
            // Without it the SDK only logs a warning when the request timeout passes, and keeps waiting.
            throwOnRequestTimeout: true,
          },
        },
      }),
  );
  let token: string | undefined;
  try {
    token = await (await ssm).get(parameterName, { decrypt: true, maxAge: 300 });
  } catch (error) {
    const refusal = clientFault(error);
    if (refusal) {
      throw new ConfigurationError(
        'UPSTASH_REDIS_REST_TOKEN_PARAMETER',
        `names ${parameterName}, which SSM refused to read (${refusal}); check the name and the role's ssm:GetParameter and kms:Decrypt`,
        { cause: error },
      );
    }
    throw new RedisUnavailableError(
      `could not read the Upstash token from SSM parameter ${parameterName} in time`,
      { cause: error },
    );
  }
  if (!token)
    throw new ConfigurationError(
      'UPSTASH_REDIS_REST_TOKEN_PARAMETER',
      `names an empty parameter: ${parameterName}`,
    );
  return token;
}

// The AWS error name when SSM refused the request itself (missing parameter, access denied): a
// deployment to fix, not an outage to wait out. Powertools wraps the SDK's error in its own.
function clientFault(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // SSM answers throttling with a 400 (ThrottlingException): that one is worth waiting out.
    const throttled = status === 429 || /throttl/i.test(e.name);
    if (status !== undefined && status >= 400 && status < 500 && !throttled) return e.name;
  }
  return undefined;
}
