import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient, SSM_DEADLINE, UPSTASH_REQUEST_TIMEOUT_MS } from '../../lib/redis/client.js';
import { RedisCommandError, RedisUnavailableError } from '../../lib/redis/errors.js';
import { startSilentServer } from '../support/silent-server.js';
import { testRedis } from '../support/redis.js';

const SECRET_NAME = 'Wilhelmina Quackenbush';

/** An HTTP server answering every request with the given status and JSON body. */
async function answeringServer(status: number, body: unknown, headers: Record<string, string> = {}) {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Takes the work as a function: the clock must start before the request does (a first fetch spends
// a while loading its HTTP client after the request's deadline has started).
const elapsedMs = async (start: () => Promise<unknown>) => {
  const started = performance.now();
  const outcome = await start().then(
    () => undefined,
    (error: unknown) => error,
  );
  return { outcome, ms: performance.now() - started };
};

describe('the Upstash client', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.close();
  });

  it('gives up on a Redis endpoint that accepts and never answers, by default within its deadline', async () => {
    const redis = await createRedisClient({
      UPSTASH_REDIS_REST_URL: silent.url,
      UPSTASH_REDIS_REST_TOKEN: 't',
    });
    const { outcome, ms } = await elapsedMs(() => redis.get('banku:any'));
    expect(outcome).toBeInstanceOf(RedisUnavailableError);
    expect((outcome as Error).message).toBe(`Upstash did not answer within ${UPSTASH_REQUEST_TIMEOUT_MS} ms`);
    expect(ms).toBeGreaterThanOrEqual(UPSTASH_REQUEST_TIMEOUT_MS - 50);
    // Slack for a busy machine; without a deadline it would wait for good.
    expect(ms).toBeLessThan(UPSTASH_REQUEST_TIMEOUT_MS + 3_000);
    expect(silent.requests()).toBeGreaterThan(0);
  });

  it('gives one deadline to each request: a script that times out is not sent again', async () => {
    const redis = await createRedisClient(
      { UPSTASH_REDIS_REST_URL: silent.url, UPSTASH_REDIS_REST_TOKEN: 't' },
      { requestTimeoutMs: 300 },
    );
    const script = redis.createScript<string>('return ARGV[1]');
    const before = silent.requests();
    const { outcome, ms } = await elapsedMs(() => script.exec([], [SECRET_NAME]));
    expect(outcome).toBeInstanceOf(RedisUnavailableError);
    expect(ms).toBeLessThan(1_000);
    // EVALSHA timed out; the client did not go on to send EVAL.
    expect(silent.requests() - before).toBe(1);
  });

  it('says an unreachable endpoint is unavailable, naming only the address', async () => {
    const closed = await startSilentServer();
    await closed.close();
    const redis = await createRedisClient({
      UPSTASH_REDIS_REST_URL: closed.url,
      UPSTASH_REDIS_REST_TOKEN: 't',
    });
    const error = (await redis.set('banku:k', SECRET_NAME).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error.message).toMatch(/could not be reached.*ECONNREFUSED/);
  });

  it('never repeats the command, with its names and balances, in an error', async () => {
    const failing = await answeringServer(500, { error: 'ERR the backend went away' });
    try {
      const redis = await createRedisClient({
        UPSTASH_REDIS_REST_URL: failing.url,
        UPSTASH_REDIS_REST_TOKEN: 't',
      });
      const script = redis.createScript<string>('return 1');
      for (const attempt of [
        redis.set('banku:k', SECRET_NAME),
        script.exec([], [JSON.stringify({ name: SECRET_NAME, balance: 987_654_321 })]),
      ]) {
        const error = (await attempt.catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(RedisCommandError);
        expect(error.message).toBe('ERR the backend went away');
        const logged = JSON.stringify({ message: error.message, stack: error.stack, cause: error.cause });
        expect(logged).not.toContain(SECRET_NAME);
        expect(logged).not.toContain('987654321');
      }
    } finally {
      await failing.close();
    }

    const real = await testRedis('client-errors');
    try {
      const key = `${real.prefix}:${SECRET_NAME}`;
      await real.redis.set(key, 'a string');
      const error = (await real.redis.hgetall(key).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(RedisCommandError);
      expect(error.message).toMatch(/^WRONGTYPE/);
      expect(error.message).not.toContain(SECRET_NAME);
      // A script Redis refuses is the record's fault: the projector dead-letters on this error alone.
      const script = real.redis.createScript<string>("return redis.call('HGET', KEYS[1], ARGV[1])");
      const refused = (await script.exec([key], [SECRET_NAME]).catch((e: unknown) => e)) as Error;
      expect(refused).toBeInstanceOf(RedisCommandError);
      expect(refused.message).toMatch(/^WRONGTYPE/);
      expect(refused.message).not.toContain(SECRET_NAME);
    } finally {
      await real.cleanup();
    }
  });
});

describe('the Upstash token from SSM', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  // The SDK reads these from the process (each test file has one of its own), and the container keeps
  // one SSM client: a fresh module graph gives each test a client for its own endpoint.
  const clientWithSsmAt = async (endpoint: string) => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    vi.resetModules();
    return {
      ...(await import('../../lib/redis/client.js')),
      ...(await import('../../lib/redis/errors.js')),
      ...(await import('../../lib/config/errors.js')),
    };
  };
  const ssmEnv = (parameter: string) => ({
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN_PARAMETER: parameter,
  });

  it('gives up on an SSM that never answers within its attempts, as unavailable', async () => {
    const silent = await startSilentServer();
    try {
      const fresh = await clientWithSsmAt(silent.url);
      const { outcome, ms } = await elapsedMs(() => fresh.createRedisClient(ssmEnv('/banku/test/hung')));
      expect(outcome).toBeInstanceOf(fresh.RedisUnavailableError);
      expect((outcome as Error).message).toMatch(/SSM parameter \/banku\/test\/hung in time/);
      const worst = SSM_DEADLINE.attempts * SSM_DEADLINE.attemptTimeoutMs;
      expect(ms).toBeGreaterThanOrEqual(worst - 100);
      expect(ms).toBeLessThan(worst + 3_000);
      expect(silent.requests()).toBe(SSM_DEADLINE.attempts);
    } finally {
      await silent.close();
    }
  });

  it('says a parameter SSM refuses is a setting to fix, not an outage', async () => {
    const ssm = await answeringServer(
      400,
      { __type: 'ParameterNotFound', message: 'not found' },
      { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ParameterNotFound' },
    );
    try {
      const fresh = await clientWithSsmAt(ssm.url);
      const error = (await fresh
        .createRedisClient(ssmEnv('/banku/test/missing'))
        .catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(fresh.ConfigurationError);
      expect(error.message).toMatch(
        /UPSTASH_REDIS_REST_TOKEN_PARAMETER names \/banku\/test\/missing.*ParameterNotFound/,
      );
    } finally {
      await ssm.close();
    }
  });
});
