import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { type BuildOptions, ensureMockBroker } from './build.js';
import { LOCAL_GROUP_INITIAL_REBALANCE_DELAY_MS } from './client-settings.js';
import { ControlChannel } from './control-channel.js';
import { BrokerExitedError, BrokerStartError, InvalidLocalKafkaOptionError } from './errors.js';
import { assertTopic, faultCommand } from './faults.js';
import type { BrokerFault, LocalKafka, LocalKafkaOptions } from './types.js';

export type { BrokerFault, BrokerTarget, LocalKafka, LocalKafkaOptions } from './types.js';

/** How long the launcher may take from spawn to its `ready` line. */
const START_TIMEOUT_MS = 10_000;
/** How long `stop()` waits after SIGTERM before SIGKILL, and after SIGKILL before giving up. */
const TERM_GRACE_MS = 5_000;
const KILL_GRACE_MS = 2_000;
const STDERR_LINES_KEPT = 40;
/** The launcher's MAX_TOPICS. */
const MAX_START_TOPICS = 256;

/**
 * Environment variable: librdkafka debug contexts for the broker (e.g. `mock,protocol`); also
 * forwards the broker's log to this process's stderr.
 */
const DEBUG_ENV = 'BANKU_KAFKA_DEBUG';

/**
 * Starts a real Kafka-protocol broker on 127.0.0.1 without Docker: librdkafka's mock cluster in a
 * child process, built once per machine (see `build.ts`). The topics exist when this resolves.
 * The broker exits on `stop()`, and also by itself when this process dies.
 *
 * Use the kafkajs settings of `client-settings.ts` against it. Set `BANKU_KAFKA_DEBUG` (librdkafka
 * debug contexts, e.g. `mock,protocol`) to see the broker's log on stderr.
 *
 * @param options topics to create and the number of bootstrap brokers (the agreed interface)
 * @param build cache folder and progress log of the one-time build (defaults: see `BuildOptions`)
 * @example
 * const local = await startLocalKafka({ topics: [{ name: 'bank-requests', partitions: 3 }] });
 * const kafka = new Kafka({ brokers: local.bootstrapServers.split(','), ...localKafkaClientSettings });
 * // … produce and consume …
 * await local.inject({ type: 'broker-down' });
 * await local.stop();
 */
export async function startLocalKafka(
  options: LocalKafkaOptions,
  build: BuildOptions = {},
): Promise<LocalKafka> {
  const brokerCount = options.brokerCount ?? 1;
  if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > 64) {
    throw new InvalidLocalKafkaOptionError(`brokerCount must be an integer in 1..64, got ${brokerCount}`);
  }
  if (options.topics.length > MAX_START_TOPICS) {
    throw new InvalidLocalKafkaOptionError(
      `at most ${MAX_START_TOPICS} topics at start, got ${options.topics.length}; add more with createTopic`,
    );
  }
  for (const topic of options.topics) assertTopic(topic.name, topic.partitions);

  const { binaryPath } = await ensureMockBroker(build);
  const debug = process.env[DEBUG_ENV]?.trim();
  const args = [
    '--brokers',
    String(brokerCount),
    '--rebalance-delay-ms',
    String(LOCAL_GROUP_INITIAL_REBALANCE_DELAY_MS),
    ...options.topics.flatMap((t) => ['--topic', `${t.name}:${t.partitions}`]),
    ...(debug ? ['--debug', debug] : []),
  ];
  const child = spawn(binaryPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return LocalKafkaProcess.awaitReady(child, Boolean(debug));
}

/** The launcher's first stdout line. */
const READY_LINE = /^ready bootstrap=(\S+) controller=\d+ brokers=\d+$/;

class LocalKafkaProcess implements LocalKafka {
  readonly kind = 'mock';
  private readonly channel: ControlChannel;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly pid: number,
    readonly bootstrapServers: string,
    private readonly stderr: StderrTail,
    stdoutLines: ReturnType<typeof createInterface>,
  ) {
    this.channel = new ControlChannel(child.stdin, stdoutLines);
    // A write after the broker died must reject the command, not crash the test process.
    child.stdin.on('error', () => undefined);
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      this.channel.close(new BrokerExitedError(pid, code, signal, this.stderr.text()));
    });
  }

  static async awaitReady(
    child: ChildProcessWithoutNullStreams,
    forward: boolean,
  ): Promise<LocalKafkaProcess> {
    const stderr = new StderrTail(child, forward);
    const stdoutLines = createInterface({ input: child.stdout });
    try {
      const bootstrap = await new Promise<string>((resolve, reject) => {
        const settle = (error: BrokerStartError | undefined, address?: string) => {
          clearTimeout(timer);
          child.off('error', onError);
          child.off('close', onClose);
          stdoutLines.off('line', onLine);
          if (error) reject(error);
          else resolve(address as string);
        };
        const fail = (reason: string) => settle(new BrokerStartError(reason, stderr.text()));
        const onError = (error: Error) => fail(`could not run ${child.spawnfile}: ${error.message}`);
        // 'close' rather than 'exit', so that the stderr explaining the exit has been read.
        const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
          fail(`exited during start-up (code ${code}, signal ${signal})`);
        const onLine = (line: string) => {
          const address = READY_LINE.exec(line)?.[1];
          if (address) settle(undefined, address);
          else fail(`unexpected first line ${JSON.stringify(line)}`);
        };
        const timer = setTimeout(
          () => fail(`no "ready" line within ${START_TIMEOUT_MS} ms`),
          START_TIMEOUT_MS,
        );
        child.on('error', onError);
        child.on('close', onClose);
        stdoutLines.on('line', onLine);
      });
      if (child.pid === undefined) throw new BrokerStartError('no pid', stderr.text());
      return new LocalKafkaProcess(child, child.pid, bootstrap, stderr, stdoutLines);
    } catch (error) {
      await terminate(child);
      throw error;
    }
  }

  async createTopic(name: string, partitions: number): Promise<void> {
    assertTopic(name, partitions);
    await this.channel.send(`topic ${name} ${partitions}`);
  }

  async inject(fault: BrokerFault): Promise<void> {
    await this.channel.send(faultCommand(fault));
  }

  stop(): Promise<void> {
    this.stopping ??= terminate(this.child);
    return this.stopping;
  }
}

/** SIGTERM by pid, wait; SIGKILL if it lingers. Resolves once the process has been reaped. */
async function terminate(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited =
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  exited.catch(() => undefined);
  if (child.pid !== undefined && !(await signalAndWait(child, exited, 'SIGTERM', TERM_GRACE_MS))) {
    if (!(await signalAndWait(child, exited, 'SIGKILL', KILL_GRACE_MS))) {
      throw new BrokerExitedError(child.pid, null, null, 'still running after SIGKILL');
    }
  }
  child.stdin.destroy();
  child.stdout.destroy();
  child.stderr.destroy();
}

async function signalAndWait(
  child: ChildProcessWithoutNullStreams,
  exited: Promise<unknown>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  try {
    process.kill(child.pid as number, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const done = await Promise.race([exited.then(() => true), timedOut]);
  clearTimeout(timer);
  return done;
}

/** Keeps the broker's last log lines for error messages; forwards them when debugging. */
class StderrTail {
  private readonly lines: string[] = [];

  constructor(child: ChildProcessWithoutNullStreams, forward: boolean) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.lines.push(line);
      if (this.lines.length > STDERR_LINES_KEPT) this.lines.shift();
      if (forward) process.stderr.write(`[mock-broker ${child.pid}] ${line}\n`);
    });
  }

  text(): string {
    return this.lines.join('\n');
  }
}
