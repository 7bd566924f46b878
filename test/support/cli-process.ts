import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** An `npm run <script> [-- args]` started as a user would, with its output collected line by line. */
export function runNpmScript(script: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const child: ChildProcess = spawn(
    'npm',
    ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    stdout.push(...lines);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = async (wanted: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!stdout.includes(wanted)) {
      if (child.exitCode !== null)
        throw new Error(`${script} exited early:\n${stderr.join('').slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`${script}: no "${wanted}" within ${timeoutMs} ms:\n${stderr.join('').slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, pid: child.pid ?? -1, stdout, stderr, exited, waitForLine };
}

/** The environment of the test run without the stack's variables, so a CLI starts its own. */
export function envWithoutStack(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of [
    'KAFKA_BROKERS',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'LOCAL_STACK_CONTROL_URL',
    'KAFKA_TOPIC_PREFIX',
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
    'LOCAL_ISSUER_MINT_SECRET',
  ]) {
    delete env[name];
  }
  return env;
}

/**
 * A data directory of its own for an Apache Kafka broker that a CLI under test starts
 * (`BANKU_KAFKA_DATA_DIR`), so a test never touches the developer's log; `remove()` deletes it.
 */
export function scratchKafkaDataDir(): { env: { BANKU_KAFKA_DATA_DIR: string }; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'banku-cli-kafka-'));
  return { env: { BANKU_KAFKA_DATA_DIR: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
