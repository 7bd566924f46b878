import { fileURLToPath } from 'node:url';
import { type LatencySummary, summarise } from './stats.js';

/**
 * The Node flags that load `command-split-probe.mjs` into serverless-offline's process, and the header
 * that marks the requests it times.
 *
 * @example
 * ```ts
 * const offline = await startOffline({ env, nodeArgs: SPLIT_PROBE.nodeArgs });
 * await fetch(url, { headers: { [SPLIT_PROBE.header]: String(i) } });
 * ```
 */
export const SPLIT_PROBE = {
  nodeArgs: ['--import', fileURLToPath(new URL('./command-split-probe.mjs', import.meta.url))],
  header: 'x-bench-request',
  /** The line the probe prints on SIGUSR2. */
  linePrefix: 'BENCH_SPLIT ',
} as const;

/** One request's instants, as the probe took them (performance.now() of serverless-offline's process). */
interface Timeline {
  id: string;
  arrived: number;
  invoked?: number;
  admitting?: number;
  admitted?: number;
  handled?: number;
  answered?: number;
}

/** The stages of a command through the local API, in order, each between two instants of the probe. */
const STAGES = [
  ['API Gateway emulation, in (routing, API key, event)', 'arrived', 'invoked'],
  ['Lambda invocation (runner) and the handler until admission', 'invoked', 'admitting'],
  ['admission (Upstash round trip)', 'admitting', 'admitted'],
  ['publish (encode, kafkajs send, acks all) and log', 'admitted', 'handled'],
  ['API Gateway emulation, out (result to HTTP answer)', 'handled', 'answered'],
] as const;

/** Where the command path's time goes, stage by stage, over the requests the probe saw whole. */
export interface CommandSplit {
  /** Requests with every instant (all of them in-process; none with worker threads). */
  requests: number;
  stages: { stage: string; latency: LatencySummary }[];
  /** Arrival to answer inside serverless-offline's process. */
  server: LatencySummary;
  /** What the client saw, minus the server's part: the client's HTTP stack and the loopback network. */
  clientAndNetwork: LatencySummary;
}

/**
 * Turns the probe's line and the client's own latencies (by request id) into the split.
 *
 * @example
 * ```ts
 * const split = commandSplit(line.slice(SPLIT_PROBE.linePrefix.length), clientMs);
 * ```
 */
export function commandSplit(probeJson: string, clientMs: ReadonlyMap<string, number>): CommandSplit {
  const whole = (JSON.parse(probeJson) as Timeline[]).filter(
    (t) => STAGES.every(([, from, to]) => t[from] !== undefined && t[to] !== undefined) && clientMs.has(t.id),
  );
  const between = (from: keyof Timeline, to: keyof Timeline) =>
    whole.map((t) => (t[to] as number) - (t[from] as number));
  const server = between('arrived', 'answered');
  return {
    requests: whole.length,
    stages: STAGES.map(([stage, from, to]) => ({ stage, latency: summarise(between(from, to)) })),
    server: summarise(server),
    clientAndNetwork: summarise(whole.map((t, i) => (clientMs.get(t.id) as number) - (server[i] as number))),
  };
}
