import { createHash, randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveRedis } from '../localstack/redis/resolve-redis.js';
import type { RedisServer } from '../localstack/redis/types.js';
import { UpstashStartError } from '../localstack/upstash/errors.js';
import { startUpstashEndpoint, type UpstashEndpoint } from '../localstack/upstash/server.js';

// The @upstash/redis client against the local endpoint, in front of a real Redis: no mocks. Every key
// lives under this file's own prefix, removed afterwards.
const prefix = `test:upstash-endpoint:${randomUUID()}:`;
const key = (name: string) => `${prefix}${name}`;

let redisServer: RedisServer;
let endpoint: UpstashEndpoint;
let redis: Redis;
let direct: IORedis;
/** One line per request the endpoint served, e.g. `POST /pipeline 200 0.4ms`. */
const requests: string[] = [];

beforeAll(async () => {
  redisServer = await resolveRedis(process.env);
  endpoint = await startUpstashEndpoint({ redisUrl: redisServer.url, log: (line) => requests.push(line) });
  redis = new Redis({ url: endpoint.url, token: endpoint.token, enableTelemetry: false });
  direct = new IORedis(redisServer.url);
});

afterAll(async () => {
  if (direct) {
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
    await direct.quit();
  }
  await endpoint?.stop();
  await redisServer?.stop();
});

beforeEach(() => {
  requests.length = 0;
});

/** Requests to `path` the endpoint answered since the test started. */
const requestsTo = (path: string) => requests.filter((line) => line.split(' ')[1] === path).length;

/** A raw request, to check the wire format itself. */
async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: unknown }> {
  const response = await fetch(`${endpoint.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${endpoint.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) };
}

const BASE64 = { 'upstash-encoding': 'base64' };

describe('local Upstash endpoint with @upstash/redis', () => {
  it('stores objects as JSON and reads them back deserialised', async () => {
    const account = { id: 'a-1', name: 'Zoë', balance: 1200, tags: ['x', 'y'], closed: false, note: null };
    expect(await redis.set(key('json'), account)).toBe('OK');
    expect(await redis.get(key('json'))).toEqual(account);
    expect(await redis.get(key('missing'))).toBeNull();
    expect(await redis.mget(key('json'), key('missing'))).toEqual([account, null]);
  });

  it('writes and reads hashes (HGETALL arrives as a flat array and becomes an object)', async () => {
    expect(await redis.hset(key('hash'), { name: 'Ada', balance: 1200, meta: { v: 1 } })).toBe(3);
    expect(await redis.hgetall(key('hash'))).toEqual({ name: 'Ada', balance: 1200, meta: { v: 1 } });
    expect(await redis.hget(key('hash'), 'balance')).toBe(1200);
    const raw = await post('/', ['HGETALL', key('hash')]);
    expect(raw.json).toEqual({ result: ['name', 'Ada', 'balance', '1200', 'meta', '{"v":1}'] });
  });

  it('runs an explicit pipeline in one request, results in order', async () => {
    const results = await redis
      .pipeline()
      .set(key('p:a'), 1)
      .incr(key('p:a'))
      .get(key('p:a'))
      .del(key('p:a'))
      .exec();
    expect(results).toEqual(['OK', 2, 2, 1]);
    expect(requestsTo('/pipeline')).toBe(1);
  });

  it('batches concurrent commands into /pipeline requests (auto-pipelining)', async () => {
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => redis.set(key(`auto:${i}`), i)));
    expect(values).toEqual(Array(20).fill('OK'));
    expect(await Promise.all(Array.from({ length: 20 }, (_, i) => redis.get(key(`auto:${i}`))))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(requestsTo('/pipeline')).toBe(2);
    expect(requestsTo('/')).toBe(0);
  });

  it('runs multi() as one MULTI/EXEC transaction that other clients cannot interleave', async () => {
    const counter = key('multi:counter');
    let hammering = true;
    // Another connection increments the same counter as fast as it can meanwhile.
    const hammer = (async () => {
      let n = 0;
      while (hammering) {
        await direct.incr(counter);
        n++;
      }
      return n;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Outside a transaction BLPOP would wait its second on the empty list while the other connection
    // goes on; inside MULTI it answers nil at once, and nothing runs between the two INCRs.
    const started = performance.now();
    const raw = await post('/multi-exec', [
      ['INCR', counter],
      ['BLPOP', key('multi:empty'), '1'],
      ['INCR', counter],
    ]);
    const elapsed = performance.now() - started;
    const tx = await redis.multi().incr(counter).incr(counter).exec();
    hammering = false;
    const hammered = await hammer;

    const [first, popped, second] = raw.json as [{ result: number }, { result: null }, { result: number }];
    expect(popped).toEqual({ result: null });
    expect(second.result).toBe(first.result + 1);
    expect(elapsed).toBeLessThan(900);
    expect(tx[1]).toBe((tx[0] as number) + 1);
    expect(Number(await direct.get(counter))).toBe(4 + hammered);
    expect(requestsTo('/multi-exec')).toBe(2);
  });

  it('keeps the applied commands of a transaction whose command fails while executing', async () => {
    await redis.set(key('tx:text'), 'not a number');
    const results = await redis
      .multi()
      .set(key('tx:a'), 'a')
      .incr(key('tx:text'))
      .get(key('tx:a'))
      .exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: 'OK', error: undefined });
    expect(results[1]?.error).toMatch(/ERR value is not an integer/);
    expect(results[2]).toEqual({ result: 'a', error: undefined });
  });

  it('discards a whole transaction when Redis rejects a command while queueing it', async () => {
    const raw = await post('/multi-exec', [
      ['SET', key('tx:discarded'), 'v'],
      ['NO-SUCH-COMMAND', 'x'],
    ]);
    expect(raw.status).toBe(400);
    expect((raw.json as { error: string }).error).toMatch(/^EXECABORT .*unknown command/);
    expect(await direct.exists(key('tx:discarded'))).toBe(0);
  });

  it('runs Lua through createScript, falling back from EVALSHA to EVAL when the script is not cached', async () => {
    // A body of its own, so that no other run has cached it (no SCRIPT FLUSH on the shared Redis).
    const body = `-- ${prefix}\nredis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), #ARGV}`;
    const sha = createHash('sha1').update(body).digest('hex');
    expect(await redis.scriptExists(sha)).toEqual([0]);
    requests.length = 0;

    const script = redis.createScript<[string, number]>(body);
    expect(await script.exec([key('lua')], ['first'])).toEqual(['first', 1]);
    // EVALSHA answered NOSCRIPT, then EVAL ran the body.
    expect(requestsTo('/pipeline')).toBe(2);
    expect(await redis.scriptExists(sha)).toEqual([1]);

    requests.length = 0;
    expect(await script.exec([key('lua')], ['second'])).toEqual(['second', 1]);
    expect(requestsTo('/pipeline')).toBe(1);
    await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('returns nested arrays from EVAL nested, strings and numbers as such', async () => {
    const result = await redis.eval(
      "return {1, 'two', {3, {'four', ARGV[1]}}, redis.status_reply('OK'), {}}",
      [],
      ['five'],
    );
    expect(result).toEqual([1, 'two', [3, ['four', 'five']], 'OK', []]);
    const raw = await post('/', ['EVAL', "return {1, 'two', {3, {'four'}}}", 0], BASE64);
    expect(raw.json).toEqual({ result: [1, 'dHdv', [3, ['Zm91cg==']]] });
  });

  it('answers a failing single command with 400 and {error}', async () => {
    await redis.set(key('err:text'), 'abc');
    const single = new Redis({
      url: endpoint.url,
      token: endpoint.token,
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
    await expect(single.incr(key('err:text'))).rejects.toThrow(/ERR value is not an integer or out of range/);
    expect(requestsTo('/')).toBe(1);
    const raw = await post('/', ['INCR', key('err:text')]);
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ error: 'ERR value is not an integer or out of range' });
  });

  it('answers a failing command inside a pipeline with an {error} item in a 200 array', async () => {
    await redis.set(key('err:text'), 'abc');
    const results = await redis
      .pipeline()
      .set(key('err:other'), 'v')
      .incr(key('err:text'))
      .get(key('err:other'))
      .exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(['OK', undefined, 'v']);
    expect(results[1]?.error).toBe('ERR value is not an integer or out of range');
    await expect(redis.pipeline().incr(key('err:text')).exec()).rejects.toThrow(
      /Command 1 \[ incr \] failed/,
    );
    await expect(redis.incr(key('err:text'))).rejects.toThrow(/ERR value is not an integer/);

    const raw = await post('/pipeline', [
      ['INCR', key('err:text')],
      ['GET', key('err:other')],
    ]);
    expect(raw.status).toBe(200);
    expect(raw.json).toEqual([{ error: 'ERR value is not an integer or out of range' }, { result: 'v' }]);
  });

  it('refuses a wrong or missing token with 401 and {error}', async () => {
    const intruder = new Redis({ url: endpoint.url, token: 'wrong-token', enableTelemetry: false });
    await expect(intruder.get(key('json'))).rejects.toThrow(/Unauthorized/);
    const wrong = await post('/', ['PING'], { authorization: 'Bearer wrong-token' });
    expect(wrong.status).toBe(401);
    expect((wrong.json as { error: unknown }).error).toEqual(expect.any(String));
    const missing = await fetch(`${endpoint.url}/`, { method: 'POST', body: '["PING"]' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: expect.any(String) });
  });

  it('answers a malformed body with 400 and {error}', async () => {
    for (const [path, body] of [
      ['/', '["GET", '],
      ['/', '{"command":"GET"}'],
      ['/', '["GET", {"nested": true}]'],
      ['/pipeline', '[]'],
      ['/pipeline', '["GET", "k"]'],
    ] as const) {
      const raw = await post(path, body);
      expect(raw.status, `${path} ${body}`).toBe(400);
      expect(raw.json, `${path} ${body}`).toEqual({ error: expect.stringMatching(/^ERR /) });
    }
  });

  it('keeps unicode text intact both ways', async () => {
    const text = 'Zoë paid 12 € — 東京 🚀\n"quoted" \\ \u0000 end';
    const raw = new Redis({
      url: endpoint.url,
      token: endpoint.token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    await raw.set(key('unicode'), text);
    expect(await raw.get(key('unicode'))).toBe(text);
    expect(await redis.get(key('unicode'))).toBe(text);
    expect(await direct.get(key('unicode'))).toBe(text);
  });

  it('returns the exact bytes of binary values (base64) and UTF-8 text without the header', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await direct.set(key('binary'), bytes);
    const encoded = await post('/', ['GET', key('binary')], BASE64);
    expect(Buffer.from((encoded.json as { result: string }).result, 'base64').equals(bytes)).toBe(true);

    await direct.set(key('plain'), 'héllo');
    expect((await post('/', ['GET', key('plain')])).json).toEqual({ result: 'héllo' });
    expect((await post('/', ['GET', key('plain')], BASE64)).json).toEqual({
      result: Buffer.from('héllo').toString('base64'),
    });
  });

  it('sends integers as JSON numbers (exact past 2^53) and strings as strings', async () => {
    expect((await post('/', ['SET', key('n'), 42])).json).toEqual({ result: 'OK' });
    expect((await post('/', ['GET', key('n')])).json).toEqual({ result: '42' });
    expect((await post('/', ['INCR', key('n')])).json).toEqual({ result: 43 });
    const big = await post('/', ['INCRBY', key('big'), '9007199254740993']);
    expect(big.text).toBe('{"result":9007199254740993}');
    // Booleans and numbers as arguments become their text.
    await post('/', ['SET', key('bool'), true]);
    expect(await direct.get(key('bool'))).toBe('true');

    expect(await redis.incr(key('n'))).toBe(44);
    const raw = new Redis({
      url: endpoint.url,
      token: endpoint.token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    expect(await raw.get(key('n'))).toBe('44');
  });

  it('leaves a top-level OK plain under base64 encoding and encodes every other status', async () => {
    expect((await post('/', ['SET', key('ok'), 'v'], BASE64)).json).toEqual({ result: 'OK' });
    expect((await post('/', ['PING'], BASE64)).json).toEqual({ result: 'UE9ORw==' });
    expect((await post('/', ['TYPE', key('ok')], BASE64)).json).toEqual({ result: 'c3RyaW5n' });
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.type(key('ok'))).toBe('string');
  });

  it('runs a blocking command on a connection of its own, so other requests go on', async () => {
    // @upstash/redis has no blpop(); Upstash itself takes BLPOP as a command.
    const queue = key('queue');
    const popped = redis.exec(['BLPOP', queue, '5']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    expect(await redis.rpush(queue, 'job-1')).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await popped).toEqual([queue, 'job-1']);
  });

  it('refuses commands that would change the shared connection', async () => {
    await expect(redis.exec(['SELECT', '1'])).rejects.toThrow(/SELECT is not available/);
    const raw = await post('/pipeline', [['WATCH', key('x')], ['PING']]);
    expect(raw.json).toEqual([
      { error: expect.stringMatching(/WATCH is not available/) },
      { result: 'PONG' },
    ]);
  });

  it('delivers published messages to subscribe() through the event stream', async () => {
    const channel = key('channel');
    const subscriber = redis.subscribe<{ amount: number }>([channel]);
    try {
      const subscribed = new Promise((resolve) => subscriber.on('subscribe', resolve));
      const received = new Promise((resolve) => subscriber.on('message', resolve));
      expect(await subscribed).toBe(1);
      expect(await redis.publish(channel, { amount: 5 })).toBe(1);
      expect(await received).toEqual({ channel, message: { amount: 5 } });
    } finally {
      await subscriber.unsubscribe();
    }
  });

  it('also takes commands written in the URL', async () => {
    const set = await fetch(`${endpoint.url}/set/${encodeURIComponent(key('path'))}?EX=100`, {
      method: 'POST',
      headers: { authorization: `Bearer ${endpoint.token}` },
      body: 'from the body',
    });
    expect(await set.json()).toEqual({ result: 'OK' });
    const get = await fetch(
      `${endpoint.url}/get/${encodeURIComponent(key('path'))}?_token=${endpoint.token}`,
    );
    expect(await get.json()).toEqual({ result: 'from the body' });
    expect(await direct.ttl(key('path'))).toBeGreaterThan(90);
  });

  it('does not start when its Redis does not answer', async () => {
    const attempt = startUpstashEndpoint({ redisUrl: 'redis://127.0.0.1:1' });
    await expect(attempt).rejects.toThrow(UpstashStartError);
    await expect(attempt).rejects.toThrow(
      /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  });
});
