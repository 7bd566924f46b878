import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * Runs `task` under the V8 CPU profiler when `BENCH_PROFILE_DIR` is set, and writes
 * `<dir>/<name>.cpuprofile`: unlike `node --cpu-prof`, the profile holds only the measured section,
 * not module loading or the bench's own set-up.
 *
 * @example
 * ```ts
 * const latencies = await profiled('handler', () => atConcurrency(1, 500, call));
 * ```
 */
export async function profiled<T>(name: string, task: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return task();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await task();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}
