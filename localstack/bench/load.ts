import { readFileSync } from 'node:fs';
import { call, send, type ServiceUrl } from './http.js';
import { atConcurrency, type LatencySummary, summarise } from './stats.js';

/** Shape of the load phase. */
export interface LoadOptions {
  /** Requests in flight, one level after the other. */
  levels: number[];
  /** Requests per level; at least two per request in flight. */
  requests: number;
  /** Accounts opened first, which the deposits and transfers then use. */
  accounts: number;
}

/** One level: what came back, how fast, and what serverless-offline's process took. */
export interface LoadLevel {
  inFlight: number;
  requests: number;
  /** Answers by HTTP status; `error <code>` counts requests that got no answer (refused, reset). */
  statuses: Record<string, number>;
  latency: LatencySummary;
  perS: number;
  /** Peak resident memory and thread count of the process the functions run in, sampled every 50 ms. */
  peakRssMb: number | undefined;
  peakThreads: number | undefined;
}

/** The load phase's result. */
export interface LoadResult {
  options: LoadOptions;
  levels: LoadLevel[];
}

/**
 * Loads the local API as a developer's load test would, at several levels of requests in flight: a
 * closed loop of deposits and transfers (half each) among accounts opened first. Every answer counts,
 * whatever its status; a 5xx or a connection error is what this phase looks for. Meanwhile it samples
 * the memory of serverless-offline's process (`pid`), where the functions run.
 *
 * @example
 * ```ts
 * const result = await measureLoad(offline, offline.pid, { levels: [8, 50, 100, 200], requests: 400, accounts: 50 });
 * ```
 */
export async function measureLoad(
  service: ServiceUrl,
  pid: number,
  options: LoadOptions,
): Promise<LoadResult> {
  const post = (path: string, body: unknown): Promise<string> =>
    send(service, 'POST', path, body).then(
      ({ status }) => String(status),
      (error: NodeJS.ErrnoException) => `error ${error.code ?? error.message}`,
    );
  // One at a time, so that the first level meets the service as a developer's first burst would: one
  // warm execution environment per function.
  const accounts: string[] = [];
  for (let i = 0; i < options.accounts; i += 1) {
    const { accountId } = await call<{ accountId: string }>(
      service,
      'POST',
      '/accounts',
      { name: `Load ${i}` },
      202,
    );
    accounts.push(accountId);
  }
  const command = (index: number) => {
    const from = accounts[index % accounts.length] as string;
    if (index % 2 === 0) return post(`/accounts/${from}/deposits`, { amount: 1_000 + (index % 900) });
    const to = accounts[(index + 1) % accounts.length] as string;
    return post(`/accounts/${from}/transfers`, { toAccountId: to, amount: 1 + (index % 50) });
  };

  const levels: LoadLevel[] = [];
  for (const inFlight of options.levels) {
    const requests = Math.max(options.requests, 2 * inFlight);
    const statuses: Record<string, number> = {};
    const memory = sampleMemory(pid);
    const started = performance.now();
    const latencies = await atConcurrency(inFlight, requests, async (_, i) => {
      const status = await command(i);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    const elapsed = performance.now() - started;
    const peak = memory.stop();
    levels.push({
      inFlight,
      requests,
      statuses,
      latency: summarise(latencies),
      perS: Math.round((requests / elapsed) * 1000),
      peakRssMb: peak.rssMb,
      peakThreads: peak.threads,
    });
  }
  return { options, levels };
}

/** Samples a process's resident memory and threads (Linux /proc) until stopped; keeps the peaks. */
function sampleMemory(pid: number, everyMs = 50) {
  let rssKb: number | undefined;
  let threads: number | undefined;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
      const count = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
      if (Number.isFinite(rss)) rssKb = Math.max(rssKb ?? 0, rss);
      if (Number.isFinite(count)) threads = Math.max(threads ?? 0, count);
    } catch {
      // No procfs (macOS), or the process is gone: no figure.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rssMb: rssKb === undefined ? undefined : Math.round(rssKb / 1024), threads };
    },
  };
}
