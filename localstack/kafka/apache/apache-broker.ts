import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Admin } from 'kafkajs';
import { ensureTopics } from '../../../lib/kafka/topic-admin.js';
import type { DesiredTopic } from '../../../lib/kafka/topic-layout.js';
import { freePort } from '../../offline/free-port.js';
import { forEachLine } from '../../support/output-lines.js';
import { reportLines } from '../../topics/report.js';
import { defaultCacheDir } from '../build.js';
import { localKafkaClientSettings } from '../client-settings.js';
import { BrokerExitedError, BrokerStartError, ControlCommandError } from '../errors.js';
import { assertTopic } from '../faults.js';
import { type ApacheKafkaInstall, ensureApacheKafka } from './install.js';
import { type NodeLayout, serverProperties } from './server-properties.js';

const LOG4J2_CONFIG = fileURLToPath(new URL('./log4j2.yaml', import.meta.url));
/**
 * JVM flags. Heap: Kafka's own scripts give 1 GB; a local single node needs far less. JIT: the
 * client compiler only, which halves the CPU a start takes (about 13 s instead of 30 s on 2 busy
 * cores); a local broker is never the bottleneck of what it serves.
 */
const JVM_FLAGS = ['-Xms256m', '-Xmx512m', '-XX:TieredStopAtLevel=1'];
/**
 * From spawn to "Kafka Server started": 3–8 s on 2 idle cores, but over a minute when a dozen other
 * processes share them; a restart after SIGKILL adds the 9 s broker session timeout of the previous
 * incarnation.
 */
const START_TIMEOUT_MS = 180_000;
/** A single node's controlled shutdown takes about a second; more means it is stuck. */
const TERM_GRACE_MS = 20_000;
const STARTED_LINE = /Kafka Server started/;
const LOCKED_LINE = /Failed to acquire lock on file \.lock/;
const TAIL_LINES = 40;
/** Environment variable: where the broker keeps its log when the caller does not say. */
export const DATA_DIR_ENV = 'BANKU_KAFKA_DATA_DIR';

/**
 * Options of {@link startApacheKafka}.
 *
 * @example
 * const options: ApacheKafkaOptions = { dataDir: '/tmp/kafka-test', topics: desiredTopics('banku', { partitions: 3, ...SINGLE_BROKER_LAYOUT }) };
 */
export interface ApacheKafkaOptions {
  /** Where the log lives, kept across starts. Default {@link defaultApacheDataDir}. */
  dataDir?: string;
  /** Created when missing, checked when present (`ensureTopics`); a difference fails the start. */
  topics?: readonly DesiredTopic[];
  env?: NodeJS.ProcessEnv;
}

/**
 * A running single-node Apache Kafka (broker and KRaft controller in one JVM) on 127.0.0.1.
 *
 * @example
 * const kafka = await startApacheKafka({ dataDir });
 * kafka.signal('SIGKILL');
 * await kafka.restart(); // same data directory, same address
 * await kafka.stop();
 */
export interface ApacheKafka {
  readonly kind: 'apache';
  /** `127.0.0.1:port`; the same after {@link ApacheKafka.restart}. */
  readonly bootstrapServers: string;
  /** The JVM's pid (a new one after a restart). */
  readonly pid: number;
  readonly dataDir: string;
  /** The cluster id written when the log was formatted: a new log has a new id. */
  readonly clusterId: string;
  /** True when this start formatted an empty data directory. */
  readonly freshLog: boolean;
  readonly version: string;
  /** Milliseconds from spawning the JVM to "Kafka Server started", for the last (re)start. */
  readonly startMs: number;
  /** Creates a topic (replication factor 1); rejects with `ControlCommandError` if it exists. */
  createTopic(name: string, partitions: number, configs?: Readonly<Record<string, string>>): Promise<void>;
  /** Sends a signal to the JVM, e.g. SIGKILL (a crash) or SIGSTOP/SIGCONT (a hung broker). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the current JVM has exited. */
  exited(): Promise<void>;
  /** Whether the JVM is running (stopped by SIGSTOP counts as running). */
  running(): boolean;
  /** Starts the JVM again on the same data directory and ports; it must have exited. */
  restart(): Promise<void>;
  /** SIGTERM (controlled shutdown), SIGKILL after a grace period; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The data directory when none is given: `BANKU_KAFKA_DATA_DIR`, else
 * `${XDG_CACHE_HOME:-~/.cache}/banku/apache-kafka-data`, so the log outlives the process.
 *
 * @example
 * defaultApacheDataDir({ BANKU_KAFKA_DATA_DIR: '/srv/kafka' }); // "/srv/kafka"
 */
export function defaultApacheDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[DATA_DIR_ENV]?.trim() || join(defaultCacheDir(env), 'apache-kafka-data');
}

/**
 * Starts Apache Kafka without Docker: the broker's jars (see `install.ts`) run as one JVM that is
 * broker and controller, on free ports of 127.0.0.1, with its log in `dataDir` (formatted on first
 * use, reused after). Resolves once the broker serves requests and `topics` exist. The JVM stops on
 * `stop()`, and by itself (SIGTERM from the kernel, through `setpriv --pdeathsig`) when this process
 * dies. Its output goes to `<dataDir>/broker.log` (warnings, or the level `BANKU_KAFKA_LOG_LEVEL`
 * names); `BANKU_KAFKA_DEBUG` also forwards it to stderr.
 *
 * @example
 * const kafka = await startApacheKafka({ topics: desiredTopics('banku', { partitions: 3, ...SINGLE_BROKER_LAYOUT }) });
 * console.log(kafka.bootstrapServers);
 * await kafka.stop();
 */
export async function startApacheKafka(options: ApacheKafkaOptions = {}): Promise<ApacheKafka> {
  const env = options.env ?? process.env;
  const install = await ensureApacheKafka({ env });
  const dataDir = options.dataDir ?? defaultApacheDataDir(env);
  const layout: NodeLayout = {
    port: await freePort(),
    controllerPort: await freePort(),
    logDir: join(dataDir, 'log'),
  };
  await mkdir(dataDir, { recursive: true });
  const propertiesPath = join(dataDir, 'server.properties');
  await writeFile(propertiesPath, serverProperties(layout));
  const freshLog = !(await exists(join(layout.logDir, 'meta.properties')));
  if (freshLog) await format(install, layout, propertiesPath, dataDir, env);
  const clusterId = await readClusterId(layout.logDir);
  const broker = new ApacheKafkaProcess(install, layout, propertiesPath, dataDir, clusterId, freshLog, env);
  try {
    await broker.restart();
    if (options.topics && options.topics.length > 0) await ensureCatalogue(broker, options.topics);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return broker;
}

/**
 * The catalogue's topics on a kept log: created the first time, and on every later start checked
 * against the catalogue, which may have changed since; a difference stops the start, as nothing
 * changes a live topic by itself.
 */
async function ensureCatalogue(broker: ApacheKafkaProcess, topics: readonly DesiredTopic[]): Promise<void> {
  const reports = await ensureTopics(await broker.admin(), topics, { create: true });
  if (reports.some((report) => report.state !== 'created' && report.state !== 'in-sync'))
    throw new BrokerStartError(
      `the topics in ${broker.dataDir} differ from the catalogue (lib/config/topics.ts); change them as ` +
        'below, or delete that folder to start from an empty log',
      reportLines(topics, reports).join('\n'),
    );
}

class ApacheKafkaProcess implements ApacheKafka {
  readonly kind = 'apache';
  readonly bootstrapServers: string;
  private child: ChildProcess | undefined;
  private output: WriteStream | undefined;
  private tail: string[] = [];
  private adminClient: Admin | undefined;
  private stopping: Promise<void> | undefined;
  startMs = 0;

  constructor(
    private readonly install: ApacheKafkaInstall,
    private readonly layout: NodeLayout,
    private readonly propertiesPath: string,
    readonly dataDir: string,
    readonly clusterId: string,
    readonly freshLog: boolean,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.bootstrapServers = `127.0.0.1:${layout.port}`;
  }

  get version(): string {
    return this.install.version;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  async restart(): Promise<void> {
    if (this.running()) throw new BrokerStartError('restart() needs the broker to have exited', '');
    this.stopping = undefined;
    this.tail = [];
    const started = Date.now();
    this.output?.end();
    this.output = createWriteStream(join(this.dataDir, 'broker.log'), { flags: 'a' });
    this.output.write(
      `--- start ${new Date().toISOString()} (${this.install.source} Kafka ${this.version})\n`,
    );
    const forward = Boolean(this.env.BANKU_KAFKA_DEBUG?.trim());
    const child = spawnJava(
      this.install,
      [
        `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
        `-Dbanku.kafka.log.level=${this.env.BANKU_KAFKA_LOG_LEVEL?.trim() || 'WARN'}`,
        'kafka.Kafka',
        this.propertiesPath,
      ],
      this.env,
    );
    this.child = child;
    child.on('error', () => undefined);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.startError(`not started within ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      forEachLine(child, (line) => {
        this.output?.write(`${line}\n`);
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        if (forward) process.stderr.write(`[apache-kafka ${child.pid}] ${line}\n`);
        if (STARTED_LINE.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(this.startError(`exited during start-up (code ${code}, signal ${signal})`));
      });
    });
    try {
      await ready;
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.startMs = Date.now() - started;
  }

  async admin(): Promise<Admin> {
    if (!this.adminClient) {
      const kafka = new kafkajs.Kafka({
        brokers: [this.bootstrapServers],
        ...localKafkaClientSettings,
        logLevel: kafkajs.logLevel.NOTHING,
      });
      this.adminClient = kafka.admin();
      await this.adminClient.connect();
    }
    return this.adminClient;
  }

  async createTopic(
    name: string,
    partitions: number,
    configs: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    assertTopic(name, partitions);
    const created = await (
      await this.admin()
    ).createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          configEntries: Object.entries(configs).map(([configName, value]) => ({ name: configName, value })),
        },
      ],
    });
    if (!created)
      throw new ControlCommandError(`create topic ${name}`, 'TOPIC_ALREADY_EXISTS', 'Topic already exists');
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child?.pid === undefined || !this.running())
      throw new BrokerExitedError(this.pid, this.child?.exitCode ?? null, this.child?.signalCode ?? null, '');
    process.kill(this.child.pid, signal);
  }

  async exited(): Promise<void> {
    const child = this.child;
    if (child && this.running()) await once(child, 'exit');
  }

  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    await this.adminClient?.disconnect().catch(() => undefined);
    this.adminClient = undefined;
    const child = this.child;
    if (child?.pid !== undefined && this.running()) {
      const exited = once(child, 'exit');
      // A stopped (SIGSTOP) JVM would hold SIGTERM until continued.
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), TERM_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => (this.output ? this.output.end(resolve) : resolve()));
    this.output = undefined;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private startError(reason: string): BrokerStartError {
    const tail = this.tail.join('\n');
    if (LOCKED_LINE.test(tail))
      return new BrokerStartError(
        `another broker is using ${this.dataDir}; stop it, or give this one another directory with ${DATA_DIR_ENV}`,
        '',
      );
    return new BrokerStartError(`${reason} (log: ${join(this.dataDir, 'broker.log')})`, tail);
  }
}

/**
 * 16 random bytes, base64url, never starting with `-`: the storage tool would read such an id as an
 * option (1 format in 64 failed so). Kafka's own `Uuid.randomUuid` draws again in that case too.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Runs Kafka's storage tool once on an empty directory: a new cluster id (16 random bytes, base64url)
 * and a single-voter KRaft quorum (`--standalone`).
 */
async function format(
  install: ApacheKafkaInstall,
  layout: NodeLayout,
  propertiesPath: string,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  // A format that died half-way leaves files without meta.properties; the directory holds nothing yet.
  await rm(layout.logDir, { recursive: true, force: true });
  const clusterId = newClusterId();
  const child = spawnJava(
    install,
    [
      `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      '--cluster-id',
      clusterId,
      '--config',
      propertiesPath,
    ],
    env,
  );
  const lines: string[] = [];
  forEachLine(child, (line) => lines.push(line));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0)
    throw new BrokerStartError(
      `formatting ${dataDir} failed (exit code ${code})`,
      lines.slice(-TAIL_LINES).join('\n'),
    );
}

async function readClusterId(logDir: string): Promise<string> {
  const text = await readFile(join(logDir, 'meta.properties'), 'utf8');
  const id = /^cluster\.id=(.+)$/m.exec(text)?.[1]?.trim();
  if (!id) throw new BrokerStartError(`no cluster.id in ${join(logDir, 'meta.properties')}`, text);
  return id;
}

/** Whether `setpriv` (util-linux) can tie the JVM's life to this process's. */
const hasSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * `java <heap> -cp <libs>/* <args>`, under `setpriv --pdeathsig SIGTERM` where available: the kernel
 * sends the JVM SIGTERM when this process dies, however it dies, so no broker outlives its owner.
 */
function spawnJava(install: ApacheKafkaInstall, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const java = [install.java, ...JVM_FLAGS, '-cp', `${install.libsDir}/*`, ...args];
  const [command, ...rest] = hasSetpriv ? ['setpriv', '--pdeathsig', 'TERM', '--', ...java] : java;
  return spawn(command as string, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
