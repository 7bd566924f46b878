import { STACK_ENV_NAMES, type StackEnv } from '../stack/stack-env.js';
import { type BenchChild, spawnTsx } from './processes.js';

/** The local stack, running as a process of its own. */
export interface StackProcess {
  readonly env: StackEnv;
  /** The stack's process: it hosts the Upstash endpoint and the broker's control server. */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `npm run stack`'s code (`localstack/stack/cli.ts`, i.e. `startStack`) in a process of its
 * own, so that the Upstash endpoint does not share the event loop of the client being measured (as
 * on AWS, where Upstash is another machine), and reads the environment it prints. Variables that
 * would make the stack use external services are cleared: the bench measures this machine. Stopped
 * with SIGTERM by pid; the stack then stops the broker it started.
 *
 * @example
 * ```ts
 * const stack = await startStackProcess({ REDIS_URL: redis.url });
 * console.log(stack.env.UPSTASH_REDIS_REST_URL);
 * await stack.stop();
 * ```
 */
export async function startStackProcess(
  extraEnv: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<StackProcess> {
  // The bench measures this machine: the stack must start its own parts, whatever the shell points at.
  const env = { ...process.env };
  for (const name of [
    'KAFKA_BROKERS',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'REDIS_URL',
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
  ])
    delete env[name];
  const values: Record<string, string> = {};
  const child: BenchChild = spawnTsx('local stack', 'localstack/stack/cli.ts', {
    env: { ...env, ...extraEnv },
    nodeFlags,
    onLine: (line) => {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) values[match[1] as string] = match[2] as string;
    },
  });
  try {
    await child.waitFor(/^ready$/, 180_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    env: Object.fromEntries(STACK_ENV_NAMES.map((name) => [name, values[name] ?? ''])) as Record<
      (typeof STACK_ENV_NAMES)[number],
      string
    >,
    pid: child.pid,
    stop: () => child.stop(15_000),
  };
}
