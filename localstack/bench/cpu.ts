import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) a process has used so far, read from `/proc/<pid>/stat`; undefined
 * where there is no procfs (macOS) or the process is gone. Linux's USER_HZ is 100 on every
 * mainstream kernel, so one tick is 10 ms. The bench uses it to say which process was busy.
 *
 * @example
 * ```ts
 * const before = processCpuMs(redisPid);
 * // … run …
 * const redisBusyMs = (processCpuMs(redisPid) ?? 0) - (before ?? 0);
 * ```
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may hold spaces; count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU ms used by several processes between `start()` and `stop()`, by name. This process is measured
 * with `process.cpuUsage()` (finer than ticks).
 *
 * @example
 * ```ts
 * const meter = cpuMeter({ endpoint: stackPid, redis: redisPid });
 * await run();
 * meter.stop(); // { self: 2310, endpoint: 540, redis: 700 }
 * ```
 */
export function cpuMeter(pids: Record<string, number | undefined>): { stop(): Record<string, number> } {
  const self = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  return {
    stop() {
      const used = process.cpuUsage(self);
      const result: Record<string, number> = { self: Math.round((used.user + used.system) / 1000) };
      for (const [name, pid] of Object.entries(pids)) {
        const now = processCpuMs(pid);
        const then = before[name];
        if (now !== undefined && then !== undefined) result[name] = Math.round(now - then);
      }
      return result;
    },
  };
}

/**
 * The direct children of a process (Linux `/proc/<pid>/task/<pid>/children`); empty where that is
 * not available.
 *
 * @example
 * ```ts
 * const [broker] = childPids(stack.pid);
 * ```
 */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
