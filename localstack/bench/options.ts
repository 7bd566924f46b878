import { parseArgs } from 'node:util';
import { type BrokerKind, brokerKind } from '../kafka/local-broker.js';

/** The phases, in the order they run. */
export const PHASES = ['projector', 'ceiling', 'command', 'e2e', 'load', 'bundles'] as const;

/** One phase's name. */
export type Phase = (typeof PHASES)[number];

/** Everything a bench run is parameterised by; printed with the results. */
export interface BenchOptions {
  phases: Phase[];
  /** The local broker the stack runs (`--broker`, else `BANKU_BROKER`, else the mock). */
  broker: BrokerKind;
  /** Projector: events in all (openings included), accounts, partitions, batch sizes, workload seed. */
  events: number;
  accounts: number;
  partitions: number;
  batchSizes: number[];
  seed: number;
  /** Also run the naive baseline (the longest part of the bench). */
  naive: boolean;
  /** Command path: requests in flight, measured requests, warm-up requests per lane. */
  concurrency: number;
  requests: number;
  warmupPerLane: number;
  /** End to end: deposits per second, for how long, over how many accounts, poll interval. */
  rate: number;
  seconds: number;
  e2eAccounts: number;
  pollMs: number;
  /** Extra e2e runs with these batching windows (seconds), when the bench drives the projector itself. */
  extraWindows: number[];
  /** Load: requests in flight per level, requests per level (at least 2 per request in flight). */
  loadLevels: number[];
  loadRequests: number;
  /** Fresh processes per bundle import measurement. */
  importRuns: number;
  /** Where to write CPU profiles of the projector phase and of the stack (Upstash endpoint), if set. */
  profileDir: string | undefined;
  /** The Node binary the projector phase runs on (default: the bench's own), e.g. the Lambda runtime's. */
  projectorNode: string | undefined;
}

const USAGE = `npm run bench [-- options]
  --only <phases>       comma-separated subset of ${PHASES.join(',')} (default: all; command,e2e on apache)
  --broker <kind>       mock (default) or apache: Apache Kafka with a fresh log on disk
  --events <n>          projector events, openings included (20000)
  --accounts <n>        projector accounts (1000)
  --batch-sizes <list>  projector batch sizes (100,1000)
  --no-naive            skip the naive baseline
  --concurrency <n>     command path: requests in flight (8)
  --requests <n>        command path: measured requests (1000)
  --rate <n>            end to end: deposits per second (20)
  --seconds <n>         end to end: for how long (10)
  --extra-windows <list> end to end: extra batching windows in seconds when the bench drives the projector (0)
  --load-levels <list>  load: requests in flight, one level after the other (8,50,100,200)
  --load-requests <n>   load: requests per level, at least 2 per request in flight (400)
  --import-runs <n>     bundles: fresh processes per import measurement (5)
  --profile <dir>       write CPU profiles of the projector phase and of the stack there
  --projector-node <path> run the projector phase on this Node binary (e.g. the Lambda runtime's version)
  --quick               small sizes, to check the harness (a few seconds per phase)`;

/**
 * Reads the bench options from the command line.
 *
 * @example
 * ```ts
 * const options = parseBenchOptions(['--only', 'projector', '--events', '5000']);
 * ```
 */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      broker: { type: 'string' },
      events: { type: 'string' },
      accounts: { type: 'string' },
      'batch-sizes': { type: 'string' },
      seed: { type: 'string' },
      'no-naive': { type: 'boolean' },
      concurrency: { type: 'string' },
      requests: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      'extra-windows': { type: 'string' },
      'load-levels': { type: 'string' },
      'load-requests': { type: 'string' },
      'import-runs': { type: 'string' },
      profile: { type: 'string' },
      'projector-node': { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const int = (text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`not a number: ${text}\n${USAGE}`);
    return value;
  };
  const list = (text: string | undefined, fallback: number[]) =>
    text === undefined
      ? fallback
      : text
          .split(',')
          .filter(Boolean)
          .map((item) => int(item, 0));
  const broker = brokerKind(process.env, values.broker);
  // On Apache Kafka only the phases that go through the broker tell anything new.
  const defaultPhases: Phase[] = broker === 'apache' ? ['command', 'e2e'] : [...PHASES];
  const phases = values.only === undefined ? defaultPhases : (values.only.split(',') as Phase[]);
  for (const phase of phases)
    if (!PHASES.includes(phase)) throw new Error(`unknown phase ${phase}\n${USAGE}`);
  return {
    phases,
    broker,
    events: int(values.events, quick ? 3_000 : 20_000),
    accounts: int(values.accounts, quick ? 200 : 1_000),
    partitions: 3,
    batchSizes: list(values['batch-sizes'], [100, 1_000]),
    seed: int(values.seed, 20261122),
    naive: values['no-naive'] !== true,
    concurrency: int(values.concurrency, 8),
    requests: int(values.requests, quick ? 100 : 1_000),
    warmupPerLane: quick ? 3 : 25,
    rate: int(values.rate, 20),
    seconds: int(values.seconds, quick ? 2 : 10),
    e2eAccounts: 20,
    pollMs: 10,
    extraWindows: list(values['extra-windows'], [0]),
    loadLevels: list(values['load-levels'], [8, 50, 100, 200]),
    loadRequests: int(values['load-requests'], quick ? 50 : 400),
    importRuns: int(values['import-runs'], quick ? 1 : 5),
    profileDir: values.profile,
    projectorNode: values['projector-node'],
  };
}
