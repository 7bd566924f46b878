import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { forEachLine } from '../support/output-lines.js';

/** The repository root, where every child runs. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Lets the spawned process import `.lua` files, as the npm scripts do. */
const LUA_LOADER = new URL('../support/lua-loader.mjs', import.meta.url).href;

/** A child process the bench started; it alone stops it, by its pid. */
export interface BenchChild {
  readonly pid: number;
  readonly name: string;
  /** Its standard input, when it was spawned with one. */
  readonly stdin: Writable | null;
  /** Lines it printed so far that were not consumed by a waiter (last 400). */
  readonly output: string[];
  /** Resolves with the first line matching `pattern`; rejects if the child exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code once it has exited on its own. */
  readonly exited: Promise<number | null>;
  /** SIGTERM by pid, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Everything the bench started, stopped in reverse order by `stopAll` (also on SIGINT/SIGTERM), so
 * a bench run never leaves a process behind.
 *
 * @example
 * ```ts
 * const started = new Started();
 * started.add('redis', redis);
 * await started.stopAll();
 * ```
 */
export class Started {
  readonly #parts: { name: string; part: { stop(): Promise<void> } }[] = [];

  add<T extends { stop(): Promise<void> }>(name: string, part: T): T {
    this.#parts.push({ name, part });
    return part;
  }

  /** Stops one part early (and forgets it). */
  async stopOne(part: { stop(): Promise<void> }): Promise<void> {
    const index = this.#parts.findIndex((entry) => entry.part === part);
    if (index >= 0) this.#parts.splice(index, 1);
    await part.stop();
  }

  async stopAll(log: (line: string) => void = () => undefined): Promise<void> {
    while (this.#parts.length > 0) {
      const entry = this.#parts.pop();
      if (!entry) break;
      await entry.part
        .stop()
        .catch((error: unknown) => log(`could not stop ${entry.name}: ${String(error)}`));
    }
  }
}

/**
 * Runs a TypeScript file of the repository in a fresh Node process (through tsx, as the npm scripts
 * do), with the given environment and extra Node flags (`--cpu-prof`…).
 *
 * @example
 * ```ts
 * const stack = spawnTsx('stack', 'localstack/stack/cli.ts', { env: process.env });
 * await stack.waitFor(/^ready$/, 60_000);
 * await stack.stop();
 * ```
 */
export function spawnTsx(
  name: string,
  file: string,
  options: {
    env: NodeJS.ProcessEnv;
    args?: string[];
    nodeFlags?: string[];
    onLine?: (line: string) => void;
    /** Another Node binary than this process's. */
    node?: string;
  },
): BenchChild {
  const child = spawn(
    options.node ?? process.execPath,
    [...(options.nodeFlags ?? []), '--import', 'tsx', '--import', LUA_LOADER, file, ...(options.args ?? [])],
    { cwd: PROJECT_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return watchChild(name, child, options.onLine);
}

/**
 * Wraps a spawned process: line-split output, waiting for a line, stopping by pid.
 *
 * @example
 * ```ts
 * const bench = watchChild('redis-benchmark', spawn('redis-benchmark', args));
 * ```
 */
export function watchChild(name: string, child: ChildProcess, onLine?: (line: string) => void): BenchChild {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  // 'close' rather than 'exit': it comes once the output streams are drained, so the last lines are in.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  // For stopping, the process's own end: a grandchild still holding its pipes must not keep us waiting.
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onText = (line: string) => {
    onLine?.(line);
    const waiter = waiters.find((w) => w.pattern.test(line));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
      return;
    }
    output.push(line);
    if (output.length > 400) output.shift();
  };
  forEachLine(child, onText);
  const done = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid,
    name,
    stdin: child.stdin,
    output,
    exited,
    waitFor(pattern, timeoutMs) {
      const earlier = output.find((line) => pattern.test(line));
      if (earlier) return Promise.resolve(earlier);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${tail(output)}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${tail(output)}`));
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (done()) return;
      const killer = setTimeout(() => {
        if (!done()) process.kill(pid, 'SIGKILL');
      }, graceMs);
      process.kill(pid, 'SIGTERM');
      await ended;
      clearTimeout(killer);
    },
  };
}

function tail(lines: string[]): string {
  return lines.slice(-30).join('\n');
}
