/**
 * Calls `stop` once this process's parent is gone (it was re-parented), so a foreground tool killed
 * hard through a wrapper (npm, tsx) still stops what it started instead of leaving it running.
 *
 * @example
 * ```ts
 * stopWhenOrphaned(() => shutdown('parent exited'));
 * ```
 */
export function stopWhenOrphaned(stop: () => void, everyMs = 1_000): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, everyMs);
  timer.unref();
}
