import { execFileSync } from 'node:child_process';

/** A process this one started. */
export interface ChildProcessInfo {
  readonly pid: number;
  /** The command name, as `ps` shows it (e.g. `redis-server`). */
  readonly name: string;
}

/**
 * The processes this process started that are running now, from `ps` (Linux and macOS alike). `npm run
 * dev` takes this list right after the local stack started, whatever the stack is made of (a broker, a
 * JVM, redis-server), to notice when one of them dies.
 *
 * @example
 * ```ts
 * const stackProcesses = childProcesses(); // [{ pid: 4242, name: 'mock-broker' }, …]
 * ```
 */
export function childProcesses(): ChildProcessInfo[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  const children: ChildProcessInfo[] = [];
  for (const row of table.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(row);
    const name = (match?.[3] ?? '').trim();
    // `ps` lists itself, a child of this process for as long as it runs.
    if (match && Number(match[2]) === process.pid && name !== 'ps') {
      children.push({ pid: Number(match[1]), name });
    }
  }
  return children;
}

/**
 * Calls `onExit` once, with the first of `processes` found gone, checking every `everyMs`. Our own
 * children are reaped by Node as soon as they exit, so a pid that no longer answers signal 0 is a
 * process that ended. Returns a function that stops watching.
 *
 * @example
 * ```ts
 * const unwatch = watchProcesses(childProcesses(), (gone) => console.error(`${gone.name} exited`));
 * ```
 */
export function watchProcesses(
  processes: readonly ChildProcessInfo[],
  onExit: (gone: ChildProcessInfo) => void,
  everyMs = 500,
): () => void {
  const timer = setInterval(() => {
    const gone = processes.find((child) => !isRunning(child.pid));
    if (gone) {
      clearInterval(timer);
      onExit(gone);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process. EPERM: the pid now belongs to someone else's process; ours is gone.
    return false;
  }
}
