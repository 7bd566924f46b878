import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisNotAvailableError, RedisStartError } from './errors.js';
import { freePort } from './free-port.js';
import { answersPing } from './ping-redis.js';
import type { RedisServer } from './types.js';

/** Options of {@link spawnRedisServer}. */
export interface SpawnRedisOptions {
  /** The executable, `redis-server` (looked up on PATH) by default. */
  command?: string;
  /** How long the server may take to answer PING, in ms (10000 by default). */
  startTimeoutMs?: number;
}

const PORT_ATTEMPTS = 3;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 2_000;

/**
 * Starts a throw-away `redis-server` on a free port of 127.0.0.1, with no persistence
 * (`--save "" --appendonly no`), and resolves once it answers PING. `stop()` sends SIGTERM and waits
 * for the process to exit (SIGKILL after 5 s); should this process exit first, the server gets
 * SIGTERM too.
 *
 * Fails with `RedisNotAvailableError` when the executable is not found, `RedisStartError` (with the
 * server's last output) when it does not come up.
 *
 * @example
 * ```ts
 * const redis = await spawnRedisServer();
 * console.log(redis.url, redis.pid);
 * await redis.stop();
 * ```
 */
export async function spawnRedisServer(options: SpawnRedisOptions = {}): Promise<RedisServer> {
  const command = options.command ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    try {
      return await startOnPort(command, await freePort(), startTimeoutMs);
    } catch (error) {
      // Another process may take the port between `freePort` and the server's bind: try another one.
      if (!(error instanceof RedisStartError && /address already in use/i.test(error.message))) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnPort(command: string, port: number, startTimeoutMs: number): Promise<RedisServer> {
  const url = `redis://127.0.0.1:${port}`;
  const child = spawn(
    command,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      tmpdir(),
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new RedisNotAvailableError(`\`${command}\` is not installed (not found on PATH)`, {
              cause: error,
            })
          : new RedisStartError(`Cannot start \`${command}\`: ${error.message}`, { cause: error }),
      );
    });
    child.once('exit', (code, signal) => {
      reject(
        new RedisStartError(
          `\`${command}\` exited (${signal ?? `code ${code}`}) before answering PING on ${url}. ` +
            `Its last output:\n${output.trim()}`,
        ),
      );
    });
  });
  failure.catch(() => undefined);

  const waiting = new AbortController();
  try {
    await Promise.race([failure, waitForPing(url, startTimeoutMs, command, waiting.signal)]);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  } finally {
    waiting.abort();
  }

  const pid = child.pid as number;
  const killOnExit = () => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  // The caller's `stop()` ends the server; until then it must not keep this process alive by itself.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  return {
    url,
    pid,
    stop() {
      stopping ??= (async () => {
        process.off('exit', killOnExit);
        await stopChild(child, exited);
      })();
      return stopping;
    },
  };
}

async function waitForPing(url: string, timeoutMs: number, command: string, signal: AbortSignal) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    if (await answersPing(url, 500)) return;
    await sleep(25);
  }
  throw new RedisStartError(`\`${command}\` did not answer PING on ${url} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  // Referenced again so that this process waits for the exit it is awaiting.
  child.ref();
  child.kill('SIGTERM');
  const grace = new AbortController();
  const gone = await Promise.race([
    exited.then(() => true),
    sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => false),
  ]);
  grace.abort();
  if (gone) return;
  child.kill('SIGKILL');
  await exited;
}
