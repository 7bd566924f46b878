/**
 * `npm run bench`: measures the projector, the Redis ceiling, the command path, end-to-end visibility
 * and the bundles on this machine, prints a table per phase and, as its last line, a JSON summary.
 * Starts what it needs through the project's own code (a private redis-server, `npm run stack`'s
 * stack, serverless-offline) and stops every process it started, by pid. Not part of `npm test`.
 * See localstack/bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningOffline, startOffline } from '../offline/start-offline.js';
import { resolveRedis } from '../redis/resolve-redis.js';
import { spawnRedisServer } from '../redis/spawn-redis-server.js';
import type { RedisServer } from '../redis/types.js';
import { measureBundles } from './bundles.js';
import { measureCommandPath } from './command-path.js';
import { childPids } from './cpu.js';
import { SPLIT_PROBE } from './command-split.js';
import { measureEndToEnd } from './end-to-end.js';
import { benchCustomer } from './http.js';
import type { AuthorizerPhaseResult } from './authorizer-phase.js';
import type { HandlerPhaseResult } from './handler-phase.js';
import { measureLoad } from './load.js';
import { parseBenchOptions } from './options.js';
import { PROJECT_ROOT, Started, spawnTsx } from './processes.js';
import type { ProjectorPhaseConfig, ProjectorPhaseResult } from './projector-phase.js';
import type { RunnerConfig } from './projector-runner.js';
import { measureRedisCeiling } from './redis-ceiling.js';
import { type BenchResults, type EndToEndRun, renderReport, summaryJson } from './report.js';
import { readServiceConfig } from './service-config.js';
import { type StackProcess, startStackProcess } from './stack-process.js';

const log = (message: string) => console.error(`[bench] ${message}`);
// serverless-offline's last lines, shown when a phase fails (or all of them with BENCH_VERBOSE=1).
const offlineOutput: string[] = [];
let onSplitProbeLine: ((json: string) => void) | undefined;
const onOfflineOutput = (line: string) => {
  if (line.startsWith(SPLIT_PROBE.linePrefix)) {
    onSplitProbeLine?.(line.slice(SPLIT_PROBE.linePrefix.length));
    return;
  }
  if (process.env.BENCH_VERBOSE) console.error(`[offline] ${line}`);
  offlineOutput.push(line);
  if (offlineOutput.length > 100) offlineOutput.shift();
};
const options = parseBenchOptions(process.argv.slice(2));
const runId = randomUUID().slice(0, 8);
const started = new Started();
const wallStarted = performance.now();
const results: BenchResults = {
  options,
  machine: { cpus: availableParallelism(), node: process.version, redis: redisVersion() },
  phaseMs: {},
  phaseLoad: {},
  wallMs: 0,
};

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything the bench started`);
    void cleanUp().then(() => process.exit(130));
  });
}

try {
  const redis = started.add('redis-server', await privateRedis());
  log(`redis: ${redis.url}${redis.pid ? ` (pid ${redis.pid}, started for this run)` : ''}`);
  // Apache Kafka gets a log of the run's own: the bench measures a fresh broker, not a developer's log.
  const kafkaDataDir = await mkdtemp(join(tmpdir(), 'banku-bench-kafka-'));
  started.add('kafka data directory', { stop: () => rm(kafkaDataDir, { recursive: true, force: true }) });
  const stack = started.add(
    'local stack',
    await startStackProcess(
      { REDIS_URL: redis.url, BANKU_BROKER: options.broker, BANKU_KAFKA_DATA_DIR: kafkaDataDir },
      profileFlags('stack'),
    ),
  );
  log(
    `local stack: pid ${stack.pid}, ${options.broker} broker, Upstash endpoint ${stack.env.UPSTASH_REDIS_REST_URL}`,
  );

  if (options.phases.includes('projector')) {
    results.projector = await phase('projector', () => projectorPhase(stack, redis));
  }
  if (options.phases.includes('ceiling')) {
    results.ceiling = await phase('ceiling', () =>
      measureRedisCeiling(redis.url, {
        events: options.events,
        accounts: options.accounts,
        prefix: `bench:${runId}`,
        ...(redis.pid ? { redisPid: redis.pid } : {}),
      }),
    );
  }
  const service = readServiceConfig();
  const prefix = `bench-${runId}`;
  let offline: RunningOffline | undefined;
  if (options.phases.includes('command') || options.phases.includes('e2e')) {
    offline = await phase('offline start', () =>
      startOffline({
        env: { ...stack.env, REDIS_KEY_PREFIX: prefix, OFFLINE_MSK_ENABLED: 'false' },
        onOutput: onOfflineOutput,
        // In-process, the functions run in serverless-offline's process: its profile is theirs too.
        nodeArgs: [...SPLIT_PROBE.nodeArgs, ...profileFlags('offline')],
      }),
    );
    started.add('serverless offline', offline);
    log(`serverless offline: pid ${offline.pid}, ${offline.url}`);
  }
  if (offline && options.phases.includes('command')) {
    const current = offline;
    const customer = await benchCustomer(current, stack.env);
    results.command = await phase('command', () =>
      measureCommandPath(
        customer,
        stack.env,
        {
          concurrency: options.concurrency,
          requests: options.requests,
          warmupPerLane: options.warmupPerLane,
          pids: {
            'serverless-offline': current.pid,
            'stack (Upstash endpoint)': stack.pid,
            broker: childPids(stack.pid)[0],
            redis: redis.pid,
          },
        },
        () => readSplitProbe(current.pid),
      ),
    );
    results.handler = await phase('handler', () => handlerPhase(stack, prefix));
    results.authorizer = await phase('authorizer', () => authorizerPhase(stack));
  }
  if (offline && options.phases.includes('e2e')) {
    const current = offline;
    results.e2e = await phase('e2e', () => endToEndPhase(stack, current, service, prefix));
  }
  if (options.phases.includes('load')) {
    results.load = await phase('load', () => loadPhase(stack, prefix));
  }
  if (options.phases.includes('bundles')) {
    results.bundles = await phase('bundles', () => measureBundles({ runs: options.importRuns }));
  }
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (offlineOutput.length > 0)
    log(`serverless offline's last lines:\n${offlineOutput.slice(-40).join('\n')}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
results.wallMs = performance.now() - wallStarted;
console.log(renderReport(results));
console.log(JSON.stringify(summaryJson(results)));

async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  log(`${name}…`);
  const begun = performance.now();
  try {
    return await run();
  } finally {
    results.phaseMs[name] = Math.round(performance.now() - begun);
    results.phaseLoad[name] = Math.round((loadavg()[0] ?? 0) * 10) / 10;
  }
}

/** A redis-server of the bench's own, so INFO commandstats and CPU figures are the bench's alone. */
async function privateRedis(): Promise<RedisServer> {
  try {
    return await spawnRedisServer();
  } catch (error) {
    log(`no redis-server of its own (${error instanceof Error ? error.message : error}); using the stack's`);
    return resolveRedis();
  }
}

/** With --profile, the phase children profile their measured sections (see section-profile.ts). */
function profileEnv(): Record<string, string> {
  return options.profileDir ? { BENCH_PROFILE_DIR: options.profileDir } : {};
}

function profileFlags(name: string): string[] {
  return options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, name)}`] : [];
}

/** Prints the split probe's timelines (SIGUSR2 to serverless-offline) and resolves with them. */
function readSplitProbe(pid: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the split probe did not answer within 10 s')), 10_000);
    onSplitProbeLine = (json) => {
      clearTimeout(timer);
      onSplitProbeLine = undefined;
      resolve(json);
    };
    process.kill(pid, 'SIGUSR2');
  });
}

/**
 * The load phase, against a serverless-offline of its own started as `npm run dev` starts it (the MSK
 * mapping and the projector included), so its memory figures are the load's alone.
 */
async function loadPhase(stack: StackProcess, prefix: string): Promise<NonNullable<BenchResults['load']>> {
  const offline = started.add(
    'serverless offline (load)',
    await startOffline({
      env: { ...stack.env, REDIS_KEY_PREFIX: `${prefix}-load`, OFFLINE_MSK_ENABLED: 'true' },
      onOutput: onOfflineOutput,
      readyWhen: [/offline-msk: (ready|.* joined)/],
    }),
  );
  log(`serverless offline for the load: pid ${offline.pid}`);
  try {
    return await measureLoad(await benchCustomer(offline, stack.env), offline.pid, {
      levels: options.loadLevels,
      requests: options.loadRequests,
      accounts: 50,
    });
  } finally {
    await started.stopOne(offline);
  }
}

/** The deposit handler called directly, in a child process (see handler-phase.ts). */
async function handlerPhase(stack: StackProcess, prefix: string): Promise<HandlerPhaseResult> {
  const child = started.add(
    'handler phase',
    spawnTsx('handler phase', 'localstack/bench/handler-phase.ts', {
      env: {
        ...process.env,
        ...stack.env,
        ...profileEnv(),
        REDIS_KEY_PREFIX: prefix,
        POWERTOOLS_SERVICE_NAME: 'banku',
      },
      args: [
        JSON.stringify({ requests: Math.ceil(options.requests / 2), warmup: options.warmupPerLane * 2 }),
      ],
    }),
  );
  const line = await child.waitFor(/^BENCH_RESULT /, 120_000);
  await child.exited;
  await started.stopOne(child);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as HandlerPhaseResult;
}

/** The authorizer handler called directly, in a child process (see authorizer-phase.ts). */
async function authorizerPhase(stack: StackProcess): Promise<AuthorizerPhaseResult> {
  const child = started.add(
    'authorizer phase',
    spawnTsx('authorizer phase', 'localstack/bench/authorizer-phase.ts', {
      env: { ...process.env, ...stack.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
      args: [JSON.stringify({ requests: Math.ceil(options.requests / 2) })],
    }),
  );
  const line = await child.waitFor(/^BENCH_RESULT /, 120_000);
  await child.exited;
  await started.stopOne(child);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as AuthorizerPhaseResult;
}

async function projectorPhase(stack: StackProcess, redis: RedisServer): Promise<ProjectorPhaseResult> {
  const config: ProjectorPhaseConfig = {
    events: options.events,
    accounts: options.accounts,
    partitions: options.partitions,
    batchSizes: options.batchSizes,
    seed: options.seed,
    prefix: `bench:${runId}`,
    naive: options.naive,
    privateRedis: redis.pid !== undefined,
    pids: { endpoint: stack.pid, ...(redis.pid ? { redis: redis.pid } : {}) },
  };
  let logLines = 0;
  const child = started.add(
    'projector phase',
    spawnTsx('projector phase', 'localstack/bench/projector-phase.ts', {
      env: { ...process.env, ...stack.env, ...profileEnv() },
      args: [JSON.stringify(config)],
      ...(options.projectorNode ? { node: options.projectorNode } : {}),
      onLine: () => {
        logLines += 1;
      },
    }),
  );
  const line = await child.waitFor(/^BENCH_RESULT /, 600_000);
  await child.exited;
  await started.stopOne(child);
  log(`projector phase printed ${logLines - 1} log lines (the projector's own, one per invocation)`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ProjectorPhaseResult;
}

/**
 * End-to-end runs. With the offline MSK plugin wired into serverless.yml, the headline run is the real
 * path: a serverless-offline whose plugin invokes the projector function with serverless.yml's
 * mapping. Runs with other batching windows (`--extra-windows`) — and the headline run too while the
 * plugin is not wired — drive the projector with the bench's own runner on the MSK-less instance.
 */
async function endToEndPhase(
  stack: StackProcess,
  offline: RunningOffline,
  service: ReturnType<typeof readServiceConfig>,
  prefix: string,
): Promise<NonNullable<BenchResults['e2e']>> {
  const e2eOptions = {
    rate: options.rate,
    seconds: options.seconds,
    accounts: options.e2eAccounts,
    pollMs: options.pollMs,
    pollFraction: 0.05,
    maxPollsInFlight: Math.max(1, Math.floor(options.concurrency / 2)),
    timeoutMs: 20_000,
    warmupDeposits: options.concurrency * options.warmupPerLane,
  };
  const runs: EndToEndRun[] = [];
  const windows = service.offlineMskWired
    ? options.extraWindows
    : [service.projectorWindowSeconds, ...options.extraWindows];
  if (!service.offlineMskWired) {
    log('the offline MSK plugin is not in serverless.yml: the bench runs the mapping runner itself');
  }
  for (const [i, windowSeconds] of windows.entries()) {
    const runner: RunnerConfig = {
      topicPrefix: stack.env.KAFKA_TOPIC_PREFIX,
      prefix,
      groupId: `bench-projector-${runId}-${i}`,
      batchSize: service.projectorBatchSize,
      maximumBatchingWindow: windowSeconds,
    };
    const child = started.add(
      'projector runner',
      spawnTsx('projector runner', 'localstack/bench/projector-runner.ts', {
        env: { ...process.env, ...stack.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
        args: [JSON.stringify(runner)],
      }),
    );
    await child.waitFor(/^BENCH_PROJECTOR joined/, 60_000);
    runs.push({
      path: 'bench runner (in-process handleMskEvent)',
      headline: !service.offlineMskWired && i === 0,
      batchSize: runner.batchSize,
      windowSeconds,
      result: await measureEndToEnd(await benchCustomer(offline, stack.env), e2eOptions),
    });
    await started.stopOne(child);
  }
  if (service.offlineMskWired) {
    await started.stopOne(offline);
    const withProjector = started.add(
      'serverless offline (with projector)',
      await phase('offline start (with MSK plugin)', () =>
        startOffline({
          env: { ...stack.env, REDIS_KEY_PREFIX: prefix, OFFLINE_MSK_ENABLED: 'true' },
          onOutput: onOfflineOutput,
          readyWhen: [/offline-msk: (ready|.* joined)/],
        }),
      ),
    );
    log(`serverless offline with the projector: pid ${withProjector.pid}`);
    runs.unshift({
      path: 'serverless-offline + offline MSK plugin',
      headline: true,
      batchSize: service.projectorBatchSize,
      windowSeconds: service.projectorWindowSeconds,
      result: await measureEndToEnd(await benchCustomer(withProjector, stack.env), e2eOptions),
    });
    await started.stopOne(withProjector);
  }
  return { runs };
}

async function cleanUp(): Promise<void> {
  await started.stopAll(log);
  // serverless-offline bundles into .esbuild/<httpPort>-<pid of this process>; those folders are ours.
  const workFolders = join(PROJECT_ROOT, '.esbuild');
  const ours = await readdir(workFolders).then(
    (names) => names.filter((name) => name.endsWith(`-${process.pid}`)),
    () => [] as string[],
  );
  for (const name of ours) {
    // serverless-esbuild may still be removing (or flushing) its own files in there as serverless-offline
    // exits: remove until the folder stays gone.
    for (let attempt = 0; attempt < 5 && existsSync(join(workFolders, name)); attempt += 1) {
      if (attempt > 0) await sleep(300);
      await rm(join(workFolders, name), {
        recursive: true,
        force: true,
        maxRetries: 5,
        retryDelay: 200,
      }).catch((error: unknown) => log(`could not remove .esbuild/${name}: ${String(error)}`));
      await sleep(100);
    }
  }
}

function redisVersion(): string {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /v=(\S+)/.exec(version)?.[1] ? `redis ${/v=(\S+)/.exec(version)?.[1]}` : 'redis (version unknown)';
}
