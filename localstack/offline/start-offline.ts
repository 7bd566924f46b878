import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LOCAL_STAGE } from '../../lib/config/stages.js';
import { forEachLine } from '../support/output-lines.js';
import { freePort } from './free-port.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVERLESS_BIN = fileURLToPath(new URL('../../node_modules/osls/bin/serverless.js', import.meta.url));

/** Options of {@link startOffline}. */
export interface OfflineOptions {
  /** The stack's environment (KAFKA_BROKERS, UPSTASH_REDIS_REST_*, …) and anything else the service reads. */
  env: Record<string, string | undefined>;
  httpPort?: number;
  lambdaPort?: number;
  /** Value clients send as `x-api-key`; random when not given. */
  apiKey?: string;
  /** Lines the process prints, for a caller that wants to show or inspect them. */
  onOutput?: (line: string) => void;
  /** Extra line patterns that must all have been printed before the service counts as ready. */
  readyWhen?: RegExp[];
  /** How long to wait for readiness. */
  timeoutMs?: number;
  /** Flags for the Node process that runs serverless-offline (and, in-process, the functions), e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/** A running `serverless offline start`. */
export interface RunningOffline {
  /** Base URL of the HTTP routes. */
  readonly url: string;
  readonly apiKey: string;
  readonly lambdaPort: number;
  readonly pid: number;
  /** Settles when the process exits, whatever the reason (its own failure, a signal, `stop()`). */
  readonly exited: Promise<OfflineExit>;
  stop(): Promise<void>;
}

/** How a serverless-offline process ended. */
export interface OfflineExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs the service's functions locally with `serverless offline start` (osls + serverless-offline +
 * serverless-esbuild) and resolves once the HTTP routes answer. Each instance bundles into a work
 * folder of its own, so several can run side by side (tests, `npm run dev`).
 *
 * @example
 * ```ts
 * const offline = await startOffline({ env: stack.env });
 * await fetch(`${offline.url}/accounts`, { method: 'POST', headers: { 'x-api-key': offline.apiKey }, body });
 * await offline.stop();
 * ```
 */
export async function startOffline(options: OfflineOptions): Promise<RunningOffline> {
  const httpPort = options.httpPort ?? (await freePort());
  const lambdaPort = options.lambdaPort ?? (await freePort());
  const apiKey = options.apiKey ?? randomBytes(20).toString('hex');
  const buildId = `${httpPort}-${process.pid}`;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), SERVERLESS_BIN, 'offline', 'start', '--stage', LOCAL_STAGE],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        ...options.env,
        BANKU_API_KEY: apiKey,
        BANKU_HTTP_PORT: String(httpPort),
        BANKU_LAMBDA_PORT: String(lambdaPort),
        BANKU_BUILD_ID: buildId,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        // serverless-offline signs nothing, but the AWS SDK inside the framework wants some credentials.
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'offline',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('serverless offline did not start (no pid)');
  const exited = new Promise<OfflineExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const pending = [/Server ready/, ...(options.readyWhen ?? [])];
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 200) output.shift();
      options.onOutput?.(line);
      for (let i = pending.length - 1; i >= 0; i -= 1) if (pending[i]?.test(line)) pending.splice(i, 1);
      if (pending.length === 0) resolve();
    };
    forEachLine(child, onLine);
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `serverless offline exited (${signal ?? code}) before it was ready; its last output:\n${output.join('\n')}`,
        ),
      ),
    );
  });

  // serverless-esbuild leaves its work folder behind when the process is stopped by a signal.
  const stop = () =>
    stopProcess(child).then(() =>
      rm(`${PROJECT_ROOT}/.esbuild/${buildId}`, { recursive: true, force: true }).catch(() => undefined),
    );
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`serverless offline was not ready within ${timeoutMs} ms:\n${output.join('\n')}`),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { url: `http://127.0.0.1:${httpPort}`, apiKey, lambdaPort, pid, exited, stop };
}

/** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
