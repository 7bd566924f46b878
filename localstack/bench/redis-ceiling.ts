import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis as IORedis } from 'ioredis';
import { cpuMeter } from './cpu.js';
import { encodeAccount } from '../../lib/projection/batch-scripts.js';
import { watchChild } from './processes.js';

/** What the ceiling writes per event: the keys the apply script writes for one deposit, one command each. */
export const CEILING_WRITES = 'SET dedupe key, SET account, ZADD history, HSET status';

/** Writes per event in the ceiling run: the keys the apply script updates for one event. */
export const WRITES_PER_EVENT = 4;

/** One ceiling run: `ops` key updates for `events` events. */
export interface CeilingRun {
  events: number;
  ops: number;
  ms: number;
  opsPerS: number;
  eventsPerS: number;
  /** CPU ms redis-server used meanwhile, when known. */
  redisCpuMs?: number;
}

/** What Redis alone achieves on this machine. */
export interface RedisCeiling {
  /**
   * The projector's writes per event ({@link CEILING_WRITES}), as raw
   * protocol through `redis-cli --pipe` (Redis's mass-insertion mode): Redis itself, with a client
   * that costs next to nothing. Undefined without redis-tools.
   */
  pipe?: CeilingRun;
  /** The same writes through a pipelined ioredis client: what one Node client can push. */
  ioredis: CeilingRun & { pipelineEvents: number };
  /** `redis-benchmark`: single-field HSET on random account keys, pipelined (the upper bound). */
  redisBenchmark?: { opsPerS: number; requests: number; pipeline: number; clients: number };
}

/**
 * Measures the Redis ceiling for `events` events' worth of key updates: `redis-benchmark` (package
 * redis-tools) with pipelining when it is on PATH, and a pipelined raw ioredis client writing
 * exactly the keys the projector's apply script writes per event, with values of the same size.
 * No Lua, no HTTP, no decisions: the most this Redis can take.
 *
 * @example
 * ```ts
 * const ceiling = await measureRedisCeiling('redis://127.0.0.1:6379', { events: 20_000, accounts: 1_000, prefix: 'bench:x' });
 * ```
 */
export async function measureRedisCeiling(
  redisUrl: string,
  options: { events: number; accounts: number; prefix: string; pipelineEvents?: number; redisPid?: number },
): Promise<RedisCeiling> {
  const url = new URL(redisUrl);
  const writes = eventWrites(options.events, options.accounts, options.prefix);
  const pipelineEvents = options.pipelineEvents ?? 250;
  const result: RedisCeiling = {
    ioredis: { ...(await ioredisWrites(redisUrl, writes, pipelineEvents, options.redisPid)), pipelineEvents },
  };
  if (onPath('redis-cli')) {
    // Short enough to vary with the scheduler: the best of three is the ceiling.
    const runs: CeilingRun[] = [];
    for (let i = 0; i < 3; i += 1) runs.push(await pipeWrites(url, writes, options.redisPid));
    result.pipe = runs.sort((a, b) => b.opsPerS - a.opsPerS)[0];
  }
  if (onPath('redis-benchmark')) {
    result.redisBenchmark = await redisBenchmark(
      url,
      options.events * WRITES_PER_EVENT,
      options.accounts,
      options.prefix,
    );
  }
  return result;
}

/** Per event, the commands of the projector's apply script that update a key, with realistic values. */
function eventWrites(events: number, accountCount: number, prefix: string): string[][][] {
  const accounts = Array.from({ length: accountCount }, () => randomUUID());
  const root = `${prefix}:ceiling`;
  const at = new Date().toISOString();
  return Array.from({ length: events }, (_, i) => {
    const account = accounts[i % accounts.length] as string;
    const tx = randomUUID();
    const history = JSON.stringify({
      transactionId: tx,
      type: 'deposit',
      amount: 1234,
      applied: true,
      balanceAfter: i,
      at,
      seq: i,
    });
    return [
      ['SET', `${root}:req:${randomUUID()}`, 'AccountDeposited'],
      [
        'SET',
        `${root}:acct:${account}`,
        encodeAccount({
          accountId: account,
          owner: 'bench-holder',
          name: 'Bench Holder',
          currency: 'USD',
          balance: i,
          version: i,
          openedAt: at,
          updatedAt: at,
        }),
      ],
      ['ZADD', `${root}:hist:${account}`, String(i), history],
      [
        'HSET',
        `${root}:tx:${tx}`,
        'type',
        'deposit',
        'status',
        'applied',
        'stage',
        '2',
        'accountId',
        account,
        'at',
        at,
        'reason',
        '',
        'amount',
        '1234',
        'counterparty',
        '',
        'initiator',
        'bench-holder',
      ],
    ];
  });
}

function run(events: number, ms: number, redisCpuMs: number | undefined): CeilingRun {
  const ops = events * WRITES_PER_EVENT;
  return {
    events,
    ops,
    ms: Math.round(ms),
    opsPerS: Math.round((ops / ms) * 1000),
    eventsPerS: Math.round((events / ms) * 1000),
    ...(redisCpuMs === undefined ? {} : { redisCpuMs }),
  };
}

async function ioredisWrites(
  redisUrl: string,
  writes: string[][][],
  pipelineEvents: number,
  redisPid: number | undefined,
): Promise<CeilingRun> {
  const redis = new IORedis(redisUrl);
  try {
    await redis.ping();
    const meter = cpuMeter({ redis: redisPid });
    const started = performance.now();
    for (let first = 0; first < writes.length; first += pipelineEvents) {
      const pipeline = redis.pipeline();
      for (const event of writes.slice(first, first + pipelineEvents)) {
        for (const [name, ...args] of event) pipeline.call(name as string, ...args);
      }
      await pipeline.exec();
    }
    const ms = performance.now() - started;
    return run(writes.length, ms, meter.stop().redis);
  } finally {
    redis.disconnect();
  }
}

/** The writes as one RESP buffer (built before the clock starts), fed to `redis-cli --pipe`. */
async function pipeWrites(url: URL, writes: string[][][], redisPid: number | undefined): Promise<CeilingRun> {
  const parts: string[] = [];
  for (const event of writes) {
    for (const command of event) {
      parts.push(`*${command.length}\r\n`);
      for (const arg of command) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
    }
  }
  const protocol = Buffer.from(parts.join(''));
  const meter = cpuMeter({ redis: redisPid });
  const started = performance.now();
  const child = watchChild(
    'redis-cli --pipe',
    spawn('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', '--pipe'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  child.stdin?.end(protocol);
  const summary = await child.waitFor(/errors: \d+, replies: \d+/, 60_000);
  await child.exited;
  const ms = performance.now() - started;
  if (!/errors: 0,/.test(summary)) throw new Error(`redis-cli --pipe reported errors: ${summary}`);
  return run(writes.length, ms, meter.stop().redis);
}

function onPath(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

async function redisBenchmark(
  url: URL,
  requests: number,
  accounts: number,
  prefix: string,
): Promise<NonNullable<RedisCeiling['redisBenchmark']>> {
  const pipeline = 100;
  const clients = 4;
  const child = watchChild(
    'redis-benchmark',
    spawn(
      'redis-benchmark',
      [
        '-h',
        url.hostname,
        '-p',
        url.port || '6379',
        '-n',
        String(requests),
        '-P',
        String(pipeline),
        '-c',
        String(clients),
        '-r',
        String(accounts),
        '--csv',
        'HSET',
        `${prefix}:rb:acct:__rand_int__`,
        'balance',
        '__rand_int__',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const line = await child.waitFor(/^"HSET/, 60_000);
  await child.exited;
  const opsPerS = Number(line.split(',')[1]?.replaceAll('"', ''));
  return { opsPerS: Math.round(opsPerS), requests, pipeline, clients };
}
