import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis as IORedis } from 'ioredis';
import { PROJECT_ROOT } from './processes.js';

/** Calls and server time of one Redis command, from `INFO commandstats`. */
export interface CommandStat {
  calls: number;
  usec: number;
}

/**
 * Reads `INFO commandstats` as `command → {calls, usec}` (lower-case names, e.g. `evalsha`, `hset`).
 *
 * @example
 * ```ts
 * const before = await commandStats(direct);
 * ```
 */
export async function commandStats(redis: IORedis): Promise<Map<string, CommandStat>> {
  const text = await redis.info('commandstats');
  const stats = new Map<string, CommandStat>();
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (match) stats.set(match[1] as string, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

/**
 * What Redis did between two snapshots: per command, calls and server milliseconds, busiest first.
 *
 * @example
 * ```ts
 * const spent = statsDelta(before, await commandStats(direct)); // [{ command: 'evalsha', calls: 600, ms: 812.4 }, …]
 * ```
 */
export function statsDelta(
  before: Map<string, CommandStat>,
  after: Map<string, CommandStat>,
): { command: string; calls: number; ms: number }[] {
  const delta: { command: string; calls: number; ms: number }[] = [];
  for (const [command, now] of after) {
    const then = before.get(command) ?? { calls: 0, usec: 0 };
    const calls = now.calls - then.calls;
    if (calls > 0 && command !== 'info')
      delta.push({ command, calls, ms: Math.round((now.usec - then.usec) / 10) / 100 });
  }
  return delta.sort((a, b) => b.ms - a.ms);
}

/** Server time of one script's calls, from the slow log. */
export interface ScriptTime {
  script: string;
  calls: number;
  meanMs: number;
  /** Less swayed than the mean by a busy machine descheduling Redis in the middle of a call. */
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Makes Redis log the duration of every command slower than 50 µs and empties the log. Only on a Redis
 * of the bench's own: it changes the server's configuration. Not 0: Redis also logs each command a
 * script runs, so every HSET inside the apply script would crowd the scripts' own calls out of the
 * log (and slow Redis down); 50 µs keeps the scripts, which take hundreds of µs or more per batch.
 *
 * @example
 * ```ts
 * await startCommandLog(direct);
 * ```
 */
export async function startCommandLog(redis: IORedis, capacity = 20_000): Promise<void> {
  await redis.config('SET', 'slowlog-log-slower-than', '50');
  await redis.config('SET', 'slowlog-max-len', String(capacity));
  await redis.slowlog('RESET');
}

/**
 * Per script (recognised by its SHA-1), how long Redis spent in each EVALSHA/EVAL since
 * {@link startCommandLog}: the Lua time alone, without the HTTP hop or the client.
 *
 * @example
 * ```ts
 * const times = await scriptTimes(direct, { read: sha1(READ_LUA), apply: sha1(APPLY_LUA) });
 * ```
 */
export async function scriptTimes(redis: IORedis, scripts: Record<string, string>): Promise<ScriptTime[]> {
  const entries = (await redis.slowlog('GET', '-1')) as [number, number, number, string[]][];
  const byName = new Map<string, number[]>();
  const names = new Map(Object.entries(scripts).map(([name, sha]) => [sha, name]));
  for (const [, , micros, args] of entries) {
    const command = String(args[0]).toUpperCase();
    if (command !== 'EVALSHA' && command !== 'EVAL') continue;
    const name = names.get(String(args[1])) ?? `${command.toLowerCase()} ${String(args[1]).slice(0, 8)}`;
    byName.set(name, [...(byName.get(name) ?? []), micros / 1000]);
  }
  return [...byName].map(([script, ms]) => {
    const sorted = ms.sort((a, b) => a - b);
    const round = (value: number) => Math.round(value * 100) / 100;
    return {
      script,
      calls: sorted.length,
      meanMs: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
      medianMs: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      p99Ms: round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0),
      maxMs: round(sorted[sorted.length - 1] ?? 0),
    };
  });
}

/**
 * The service's Lua scripts by name (the `.lua` file's name under `lib/`) and SHA-1, so that the slow
 * log's EVALSHA entries can be told apart without knowing which module loads which script.
 *
 * @example
 * ```ts
 * const times = await scriptTimes(direct, await scriptNames());
 * ```
 */
export async function scriptNames(): Promise<Record<string, string>> {
  const files = await readdir(join(PROJECT_ROOT, 'lib'), { recursive: true });
  const names: Record<string, string> = {};
  for (const file of files.filter((name) => name.endsWith('.lua'))) {
    const text = await readFile(join(PROJECT_ROOT, 'lib', file), 'utf8');
    names[file.replace(/^.*\//, '').replace(/\.lua$/, '')] = createHash('sha1').update(text).digest('hex');
  }
  return names;
}
