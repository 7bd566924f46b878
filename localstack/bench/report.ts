import type { BundlesResult } from './bundles.js';
import type { CommandPathResult } from './command-path.js';
import type { EndToEndResult } from './end-to-end.js';
import type { AuthorizerPhaseResult } from './authorizer-phase.js';
import type { HandlerPhaseResult } from './handler-phase.js';
import type { LoadResult } from './load.js';
import type { LatencySummary } from './stats.js';
import type { BenchOptions } from './options.js';
import type { OperationCosts } from './operation-costs.js';
import type { ProjectorPhaseResult, UpstashFigures } from './projector-phase.js';
import { CEILING_WRITES, type RedisCeiling } from './redis-ceiling.js';
import { table } from './table.js';
import { UPSTASH_PAY_AS_YOU_GO, upstashPrice } from './upstash-cost.js';

/** One end-to-end run and the projector settings it ran with. */
export interface EndToEndRun {
  /** What ran the projector. */
  path: string;
  /** The run the JSON's `e2e_visible_*` figures come from: serverless.yml's mapping, the real path if wired. */
  headline: boolean;
  batchSize: number;
  windowSeconds: number;
  result: EndToEndResult;
}

/** Everything a bench run measured. */
export interface BenchResults {
  options: BenchOptions;
  machine: { cpus: number; node: string; redis: string };
  /** 1-minute load average at the end of each phase: above the CPU count, other work competed. */
  phaseLoad: Record<string, number>;
  projector?: ProjectorPhaseResult;
  ceiling?: RedisCeiling;
  command?: CommandPathResult;
  handler?: HandlerPhaseResult;
  authorizer?: AuthorizerPhaseResult;
  e2e?: { runs: EndToEndRun[] };
  load?: LoadResult;
  bundles?: BundlesResult;
  phaseMs: Record<string, number>;
  wallMs: number;
}

/**
 * The human-readable report: one table per phase.
 *
 * @example
 * ```ts
 * console.log(renderReport(results));
 * ```
 */
export function renderReport(results: BenchResults): string {
  const out: string[] = [];
  const { machine } = results;
  out.push(
    `Banku bench — ${results.options.broker} broker, ${machine.cpus} CPUs, Node ${machine.node}, ${machine.redis}; ` +
      `wall ${(results.wallMs / 1000).toFixed(1)} s`,
    `  phases: ${Object.entries(results.phaseMs)
      .map(
        ([phase, ms]) =>
          `${phase} ${(ms / 1000).toFixed(1)} s (load ${results.phaseLoad[phase]?.toFixed(1)})`,
      )
      .join(', ')}`,
  );
  const busiest = Math.max(0, ...Object.values(results.phaseLoad));
  if (busiest > machine.cpus) {
    out.push(
      `  note: the load average reached ${busiest.toFixed(1)} on ${machine.cpus} CPUs: other processes competed, ` +
        'so the figures are lower bounds; rerun on a quiet machine',
    );
  }
  const projector = results.projector;
  if (projector) {
    const naive = projector.naive?.eventsPerS;
    const { config, mix } = projector;
    out.push(
      '',
      `1. Projector — ${config.events} events (${Object.entries(mix)
        .map(([type, n]) => `${n} ${type.replace('Requested', '')}`)
        .join(', ')}), ${config.accounts} accounts, ` +
        `${config.partitions} partitions side by side; saga credits not fed back`,
      table([
        [
          'way',
          'batch',
          'events/s',
          'ms',
          'calls',
          '× naive',
          'Redis ms',
          'cmds/event',
          'CPU ms: projector',
          'endpoint',
          'redis',
        ],
        ...[
          ...projector.batched.map((run) => ['batched, facts to the outbox only', run] as const),
          ...(projector.published
            ? [['batched, facts published to Kafka', projector.published] as const]
            : []),
        ].map(([way, run]) => [
          way,
          run.batchSize,
          run.eventsPerS,
          run.ms,
          run.invocations,
          naive ? `${(run.eventsPerS / naive).toFixed(1)}×` : undefined,
          sum(run.redis.filter((r) => r.command.startsWith('eval')).map((r) => r.ms)),
          perEvent(run).commands,
          run.cpuMs.self,
          run.cpuMs.endpoint,
          run.cpuMs.redis,
        ]),
        ...(projector.naive
          ? [
              [
                'naive (1 read + 1 write/event)',
                1,
                projector.naive.eventsPerS,
                projector.naive.ms,
                projector.naive.roundTrips,
                '1.0×',
                sum(projector.naive.redis.map((r) => r.ms)),
                perEvent(projector.naive).commands,
                projector.naive.cpuMs.self,
                projector.naive.cpuMs.endpoint,
                projector.naive.cpuMs.redis,
              ],
            ]
          : []),
      ]),
      `  calls: invocations (batched) or Redis round trips (naive). cmds/event: Redis commands per event, those inside` +
        ` scripts included (what Upstash bills). Redis ms: server time of the scripts` +
        ` (INFO commandstats). Same balances both ways: ${projector.balancesAgree ?? 'not checked'}.`,
      ...projector.batched.map(
        (run) =>
          `  batch ${run.batchSize}: per-partition time in readBatchState ${run.partitionMs.readState} ms, applyBatch ` +
          `${run.partitionMs.applyBatch} ms, in process ` +
          `${run.partitionMs.inProcess} ms; ${run.outboxMessages} outbox messages published` +
          (run.scripts?.length
            ? `; Lua per call: ${run.scripts
                .map(
                  (s) =>
                    `${s.script} ${s.calls}× mean ${s.meanMs} median ${s.medianMs} p99 ${s.p99Ms} max ${s.maxMs} ms`,
                )
                .join(', ')}`
            : ''),
      ),
    );
  }
  if (projector) out.push('', ...upstashReport(projector));
  const ceiling = results.ceiling;
  if (ceiling) {
    const best = projector?.batched.reduce((a, b) => (b.eventsPerS > a.eventsPerS ? b : a));
    const fraction = (eventsPerS: number | undefined) =>
      best && eventsPerS ? `${((best.eventsPerS / eventsPerS) * 100).toFixed(0)} %` : undefined;
    out.push(
      '',
      `2. Redis ceiling — ${ceiling.ioredis.ops} key updates (${ceiling.ioredis.events} events × 4: ${CEILING_WRITES})`,
      table([
        [
          'client',
          'ops/s',
          'events/s',
          'ms',
          'redis CPU ms',
          `best projector (${best?.eventsPerS ?? '–'}/s) is`,
        ],
        ...(ceiling.pipe
          ? [
              [
                'redis-cli --pipe (Redis itself)',
                ceiling.pipe.opsPerS,
                ceiling.pipe.eventsPerS,
                ceiling.pipe.ms,
                ceiling.pipe.redisCpuMs,
                fraction(ceiling.pipe.eventsPerS),
              ],
            ]
          : []),
        [
          `ioredis, ${ceiling.ioredis.pipelineEvents} events/pipeline (one Node client)`,
          ceiling.ioredis.opsPerS,
          ceiling.ioredis.eventsPerS,
          ceiling.ioredis.ms,
          ceiling.ioredis.redisCpuMs,
          fraction(ceiling.ioredis.eventsPerS),
        ],
        ...(ceiling.redisBenchmark
          ? [
              [
                `redis-benchmark HSET -P ${ceiling.redisBenchmark.pipeline} -c ${ceiling.redisBenchmark.clients}`,
                ceiling.redisBenchmark.opsPerS,
                undefined,
                undefined,
                undefined,
                undefined,
              ],
            ]
          : []),
      ]),
    );
  }
  const command = results.command;
  if (command) {
    const row = (name: string, s: CommandPathResult['http']) => [
      name,
      s.p50,
      s.p90,
      s.p99,
      s.max,
      s.mean,
      s.perS,
    ];
    out.push(
      '',
      `3. Command path — ${command.options.requests} deposits at ${command.options.concurrency} in flight, warm ` +
        `(${command.options.warmupPerLane * command.options.concurrency} discarded first); ms`,
      table([
        ['path', 'p50', 'p90', 'p99', 'max', 'mean', 'req/s'],
        row('POST /accounts/{id}/deposits (serverless-offline)', command.http),
        ...(results.handler
          ? [
              [
                'deposit handler called directly, 1 in flight (one warm container)',
                results.handler.latency.p50,
                results.handler.latency.p90,
                results.handler.latency.p99,
                results.handler.latency.max,
                results.handler.latency.mean,
                undefined,
              ],
            ]
          : []),
        row('kafkajs send, idempotent, acks -1, producer per lane', command.kafkaPerLane),
        row('kafkajs send, idempotent, acks -1, one shared producer', command.kafkaShared),
      ]),
      ...(results.handler
        ? [`  the handler used ${results.handler.cpuMsPerRequest} ms of CPU per request`]
        : []),
      `  CPU per request of the HTTP row, by process: ${Object.entries(command.cpuMsPerRequest)
        .map(([name, ms]) => `${name === 'self' ? 'bench client' : name} ${ms} ms`)
        .join(', ')} (total ${
        Math.round(Object.values(command.cpuMsPerRequest).reduce((a, b) => a + b, 0) * 100) / 100
      } ms, for ${results.machine.cpus} CPUs)`,
    );
    const split = command.split;
    if (split && split.requests > 0) {
      const stageRow = (stage: string, s: LatencySummary) => [stage, s.p50, s.p90, s.p99, s.mean];
      out.push(
        '',
        `  where the HTTP row's time goes, per request (${split.requests} requests timed inside serverless-offline's ` +
          `process); ms. Percentiles of parts do not add up; means do.`,
        table([
          ['stage', 'p50', 'p90', 'p99', 'mean'],
          ...split.stages.map(({ stage, latency }) => stageRow(stage, latency)),
          stageRow('= inside serverless-offline, arrival to answer', split.server),
          stageRow("the client's HTTP stack and loopback (the rest of the HTTP row)", split.clientAndNetwork),
        ]),
      );
    } else if (split) {
      out.push('  no split: serverless-offline does not run the functions in its own process (useInProcess)');
    }
  }
  const authorizer = results.authorizer;
  if (authorizer) {
    const row = (name: string, s: LatencySummary) => [name, s.p50, s.p90, s.p99, s.max, s.mean];
    out.push(
      '',
      `3c. Authorizer — functions/authorizer.ts called directly, ${authorizer.requests} tokens, 1 in flight; ms ` +
        `(the first token of a fresh container, with the JWKS fetch: ${authorizer.firstTokenMs} ms)`,
      table([
        ['token', 'p50', 'p90', 'p99', 'max', 'mean'],
        row('not seen before (signature check, keys cached)', authorizer.newToken),
        row('verified before (the container cache)', authorizer.cachedToken),
      ]),
    );
  }
  const e2e = results.e2e;
  if (e2e) {
    const first = e2e.runs[0]?.result.options;
    out.push(
      '',
      `4. End to end — POST until GET /transactions/{id} reads applied; ${first?.rate}/s for ${first?.seconds} s, ` +
        `polling every ${first?.pollMs} ms (or ${(first?.pollFraction ?? 0) * 100} % of the time waited), ` +
        `at most ${first?.maxPollsInFlight} reads in flight; ms`,
      table([
        [
          'projector',
          'batch',
          'window s',
          'visible p50',
          'p90',
          'p99',
          'max',
          'POST p50',
          'POST p99',
          'GET p50',
          'GET p99',
          'GET/s',
          'timed out',
        ],
        ...e2e.runs.map(({ path, batchSize, windowSeconds, result }) => [
          path,
          batchSize,
          windowSeconds,
          result.visible.p50,
          result.visible.p90,
          result.visible.p99,
          result.visible.max,
          result.post.p50,
          result.post.p99,
          result.poll.p50,
          result.poll.p99,
          result.readsPerS,
          result.timedOut,
        ]),
      ]),
    );
  }
  const load = results.load;
  if (load) {
    out.push(
      '',
      `5. Load — deposits and transfers (half each) among ${load.options.accounts} accounts, each level a closed ` +
        `loop at that many requests in flight, against serverless-offline as npm run dev runs it; ms`,
      table([
        [
          'in flight',
          'requests',
          'answers',
          'non-2xx',
          'p50',
          'p99',
          'max',
          'req/s',
          'peak RSS MB',
          'threads',
        ],
        ...load.levels.map((level) => [
          level.inFlight,
          level.requests,
          Object.entries(level.statuses)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([status, count]) => `${count}× ${status}`)
            .join(', '),
          nonSuccess(level.statuses),
          level.latency.p50,
          level.latency.p99,
          level.latency.max,
          level.perS,
          level.peakRssMb,
          level.peakThreads,
        ]),
      ]),
      "  peak RSS and threads: serverless-offline's process, where the functions run (sampled every 50 ms)",
    );
  }
  const bundles = results.bundles;
  if (bundles) {
    const kb = (bytes: number) => Math.round(bytes / 1024);
    out.push(
      '',
      `6. Bundles — npm run package took ${(bundles.packageMs / 1000).toFixed(1)} s; import = median of ` +
        `${bundles.runs} fresh Node processes`,
      table([
        [
          'function',
          'zip KB',
          'bundle KB',
          'map KB',
          'import ms (source maps)',
          'import ms (none)',
          'process ms',
        ],
        ...bundles.functions.map((f) => [
          f.function,
          kb(f.zipBytes),
          kb(f.bundleBytes),
          kb(f.sourceMapBytes),
          f.importMs,
          f.importMsNoSourceMaps,
          f.processMs,
        ]),
      ]),
    );
  }
  return out.join('\n');
}

/**
 * The machine-readable summary printed as the bench's last line.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(summaryJson(results)));
 * ```
 */
export function summaryJson(results: BenchResults): Record<string, unknown> {
  const { options, projector, ceiling, command, e2e, bundles } = results;
  const byBatch = Object.fromEntries(
    (projector?.batched ?? []).map((run) => [run.batchSize, run.eventsPerS]),
  );
  const headline = projector?.batched[0];
  const naive = projector?.naive?.eventsPerS;
  const ceilingEvents = ceiling?.pipe?.eventsPerS ?? ceiling?.ioredis.eventsPerS;
  const mainE2e = e2e?.runs.find((run) => run.headline) ?? e2e?.runs[0];
  return {
    projector_batched_events_per_s: headline?.eventsPerS,
    projector_batched_events_per_s_by_batch: byBatch,
    projector_facts_published_events_per_s: projector?.published?.eventsPerS,
    projector_redis_commands_per_event: headline ? perEvent(headline).commands : undefined,
    projector_naive_events_per_s: naive,
    projector_speedup: headline && naive ? round2(headline.eventsPerS / naive) : undefined,
    projector_speedup_by_batch: naive
      ? Object.fromEntries(Object.entries(byBatch).map(([batch, rate]) => [batch, round2(rate / naive)]))
      : undefined,
    projector_balances_agree: projector?.balancesAgree,
    ...(projector ? upstashSummary(projector) : {}),
    redis_ceiling_ops_per_s: ceiling?.pipe?.opsPerS ?? ceiling?.ioredis.opsPerS,
    redis_ceiling_events_per_s: ceilingEvents,
    redis_ceiling_method: ceiling ? (ceiling.pipe ? 'redis-cli --pipe' : 'ioredis pipeline') : undefined,
    node_client_ceiling_events_per_s: ceiling?.ioredis.eventsPerS,
    redis_benchmark_hset_ops_per_s: ceiling?.redisBenchmark?.opsPerS,
    projector_fraction_of_redis_ceiling:
      headline && ceilingEvents ? round2(headline.eventsPerS / ceilingEvents) : undefined,
    http_command_p50_ms: command?.http.p50,
    http_command_p99_ms: command?.http.p99,
    handler_direct_p50_ms: results.handler?.latency.p50,
    handler_direct_p99_ms: results.handler?.latency.p99,
    handler_cpu_ms_per_request: results.handler?.cpuMsPerRequest,
    authorizer_first_token_ms: results.authorizer?.firstTokenMs,
    authorizer_new_token_p50_ms: results.authorizer?.newToken.p50,
    authorizer_cached_token_p50_ms: results.authorizer?.cachedToken.p50,
    http_command_cpu_ms_per_request: command?.cpuMsPerRequest,
    http_command_split_p50_ms: command?.split?.requests
      ? Object.fromEntries(command.split.stages.map(({ stage, latency }) => [stage, latency.p50]))
      : undefined,
    kafka_produce_p50_ms: command?.kafkaPerLane.p50,
    kafka_produce_p99_ms: command?.kafkaPerLane.p99,
    kafka_shared_producer_p50_ms: command?.kafkaShared.p50,
    kafka_shared_producer_p99_ms: command?.kafkaShared.p99,
    e2e_visible_p50_ms: mainE2e?.result.visible.p50,
    e2e_visible_p99_ms: mainE2e?.result.visible.p99,
    e2e_projector: mainE2e?.path,
    e2e_runs: e2e?.runs.map(({ path, batchSize, windowSeconds, result }) => ({
      projector: path,
      batch_size: batchSize,
      window_s: windowSeconds,
      visible_p50_ms: result.visible.p50,
      visible_p99_ms: result.visible.p99,
      timed_out: result.timedOut,
    })),
    load_by_in_flight: results.load
      ? Object.fromEntries(
          results.load.levels.map((level) => [
            level.inFlight,
            {
              requests: level.requests,
              non_2xx: nonSuccess(level.statuses),
              statuses: level.statuses,
              p50_ms: level.latency.p50,
              p99_ms: level.latency.p99,
              peak_rss_mb: level.peakRssMb,
            },
          ]),
        )
      : undefined,
    bundles: bundles
      ? Object.fromEntries(
          bundles.functions.map((f) => [
            f.function,
            {
              zip_bytes: f.zipBytes,
              bundle_bytes: f.bundleBytes,
              source_map_bytes: f.sourceMapBytes,
              import_ms: f.importMs,
              import_ms_no_source_maps: f.importMsNoSourceMaps,
            },
          ]),
        )
      : undefined,
    params: {
      phases: options.phases,
      broker: options.broker,
      N: options.events,
      accounts: options.accounts,
      partitions: options.partitions,
      batch_sizes: options.batchSizes,
      seed: options.seed,
      concurrency: options.concurrency,
      requests: options.requests,
      warmup_per_lane: options.warmupPerLane,
      rate_per_s: options.rate,
      seconds: options.seconds,
      poll_ms: options.pollMs,
      load_levels: options.loadLevels,
      load_requests: options.loadRequests,
      import_runs: options.importRuns,
    },
    machine: results.machine,
    load_average_by_phase: results.phaseLoad,
    wall_s: Math.round(results.wallMs / 100) / 10,
  };
}

/** Answers that were not 2xx, connection errors included. */
function nonSuccess(statuses: Record<string, number>): number {
  return Object.entries(statuses)
    .filter(([status]) => !/^2\d\d$/.test(status))
    .reduce((total, [, count]) => total + count, 0);
}

/** Per applied event: what a run costs and stores on Upstash, and the projector's CPU. */
function perEvent(run: { events: number; upstash: UpstashFigures; cpuMs: Record<string, number> }) {
  const { upstash, events } = run;
  return {
    commands: round2(upstash.commands / events),
    httpRequests: Object.values(upstash.httpRequests).reduce((a, b) => a + b, 0),
    pipelined: upstash.httpRequests['/pipeline'] ?? 0,
    scriptUsec: round2(upstash.scriptUsec / events),
    cpuUsec: round2(((run.cpuMs.self ?? 0) * 1000) / events),
    bytes: Math.round(upstash.storedBytes / events),
  };
}

/** Deposit, deposit with a key and transfer: admission plus projection, priced. */
function operationRows(operations: OperationCosts, way: 'batched' | 'naive') {
  const { admission, projection } = operations;
  const rows: [string, number][] = [
    ['deposit or withdrawal', admission.withoutKey + projection[way].deposit],
    ['  the same with an Idempotency-Key', admission.withKey + projection[way].deposit],
    ['transfer (debit + credit)', admission.withoutKey + projection[way].transfer],
  ];
  return rows.map(([operation, commands]) => ({
    operation,
    commands: round2(commands),
    ...upstashPrice(commands),
  }));
}

function upstashReport(projector: ProjectorPhaseResult): string[] {
  const runs = [
    ...projector.batched.map((run) => ({ way: 'batched', batch: run.batchSize, ...perEvent(run) })),
    ...(projector.naive ? [{ way: 'naive', batch: 1, ...perEvent(projector.naive) }] : []),
  ];
  const out = [
    `1b. On Upstash — billed commands (INFO commandstats, inside scripts included), pay-as-you-go ` +
      `$${UPSTASH_PAY_AS_YOU_GO.dollarsPer100kCommands} per 100k commands, ` +
      `${UPSTASH_PAY_AS_YOU_GO.commandsPerSecond.toLocaleString('en')} commands/s per database`,
    table([
      [
        'way',
        'batch',
        'commands/event',
        'HTTP requests',
        'of them merged (/pipeline)',
        'Redis µs/event in scripts',
        'projector CPU µs/event',
        'bytes stored/event',
        'GB per million events',
      ],
      ...runs.map((run) => [
        run.way,
        run.batch,
        run.commands,
        run.httpRequests,
        run.pipelined,
        run.way === 'naive' ? undefined : run.scriptUsec,
        run.cpuUsec,
        run.bytes,
        round2(run.bytes / 1e3),
      ]),
    ]),
    `  the projector ran on Node ${projector.node}; ` +
      'bytes: MEMORY USAGE of every key the run left, divided by its events (accounts included).',
    ...projector.batched.map(
      (run) =>
        `  batch ${run.batchSize}, commands per event: ` +
        Object.entries(run.upstash.byCommand)
          .sort(([, a], [, b]) => b - a)
          .map(([command, calls]) => `${command} ${round2(calls / run.events)}`)
          .join(', '),
    ),
    ...projector.batched.map(
      (run) =>
        // A script's own time includes the commands it runs: what is left is Lua itself (cjson, loops).
        `  batch ${run.batchSize}, Redis µs per event by command (a script's includes its commands): ` +
        run.redis
          .filter(({ ms }) => ms > 0)
          .map(({ command, ms }) => `${command} ${round2((ms * 1000) / run.events)}`)
          .join(', '),
    ),
  ];
  const operations = projector.operations;
  if (operations) {
    const { admission } = operations;
    out.push(
      `  per operation, measured one kind at a time at batch ${operations.batchSize} over ${operations.accounts} ` +
        `accounts (${operations.deposits} deposits, ${operations.transfers} transfers of which ` +
        `${operations.transfersApplied} applied, their credits fed back); admission per command: ` +
        `${admission.withoutKey} without a key, ${admission.withKey} with one, ${admission.withKeyRetried} retried with it`,
      table([
        ['operation', 'way', 'Upstash commands', '$ per million', 'max per database /s'],
        ...(['batched', 'naive'] as const).flatMap((way) =>
          operationRows(operations, way).map((row) => [
            row.operation,
            way,
            row.commands,
            row.dollarsPerMillion,
            row.maxPerSecond,
          ]),
        ),
      ]),
    );
  }
  return out;
}

function upstashSummary(projector: ProjectorPhaseResult): Record<string, unknown> {
  const byBatch = (pick: (figures: ReturnType<typeof perEvent>) => number) =>
    Object.fromEntries(projector.batched.map((run) => [run.batchSize, pick(perEvent(run))]));
  const naive = projector.naive ? perEvent(projector.naive) : undefined;
  const operations = projector.operations;
  const priced = (way: 'batched' | 'naive') => {
    if (!operations) return undefined;
    const [deposit, depositWithKey, transfer] = operationRows(operations, way);
    return {
      deposit_commands: deposit?.commands,
      deposit_with_key_commands: depositWithKey?.commands,
      transfer_commands: transfer?.commands,
      dollars_per_million_deposits: deposit?.dollarsPerMillion,
      dollars_per_million_transfers: transfer?.dollarsPerMillion,
      max_deposits_per_s_per_database: deposit?.maxPerSecond,
    };
  };
  return {
    projector_node: projector.node,
    upstash_commands_per_event_by_batch: byBatch((f) => f.commands),
    upstash_commands_per_event_naive: naive?.commands,
    upstash_http_requests_by_batch: byBatch((f) => f.httpRequests),
    upstash_pipelined_requests_by_batch: byBatch((f) => f.pipelined),
    redis_script_usec_per_event_by_batch: byBatch((f) => f.scriptUsec),
    projector_cpu_usec_per_event_by_batch: byBatch((f) => f.cpuUsec),
    bytes_stored_per_event_by_batch: byBatch((f) => f.bytes),
    bytes_stored_per_event_naive: naive?.bytes,
    admission_commands: operations?.admission,
    upstash_batched: priced('batched'),
    upstash_naive: priced('naive'),
  };
}

function sum(values: number[]): number {
  return Math.round(values.reduce((a, b) => a + b, 0));
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
