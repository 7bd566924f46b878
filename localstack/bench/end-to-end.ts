import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, type ServiceUrl } from './http.js';
import { atConcurrency, atRate, type LatencySummary, summarise } from './stats.js';

/** Shape of the end-to-end measurement. */
export interface EndToEndOptions {
  /** Deposits started per second (an open loop: a slow one never delays the next). */
  rate: number;
  seconds: number;
  /** Accounts the deposits spread over, opened (and seen applied) before the clock starts. */
  accounts: number;
  /**
   * Pause between two reads of a transaction's status: `pollMs`, or `pollFraction` of the time waited
   * so far if longer, so a slow transaction is read less often (its figure stays within that fraction).
   */
  pollMs: number;
  pollFraction: number;
  /** Status reads in flight at most, all transactions together: the reads must not swamp the service. */
  maxPollsInFlight: number;
  /** Give up on one transaction after this long. */
  timeoutMs: number;
  /**
   * Deposits POSTed at `maxPollsInFlight` in flight before the clock starts, so that serverless-offline
   * has that many warm deposit workers: a cold worker loads its bundle and connects to Kafka, seconds
   * on a busy machine, and a burst of them starves everything else.
   */
  warmupDeposits: number;
}

/** How long a deposit took to become visible, and its parts. */
export interface EndToEndResult {
  options: EndToEndOptions;
  /** POST sent → first `GET /transactions/{id}` answering `applied`. */
  visible: LatencySummary;
  /** The POST alone (admission + publish, answered 202). */
  post: LatencySummary;
  /** One status read (GET /transactions/{id}): the resolution of `visible`. */
  poll: LatencySummary;
  /** Status reads per second, roughly: the read load the measurement itself added. */
  readsPerS: number;
  timedOut: number;
}

interface Transaction {
  transactionId: string;
  status: 'pending' | 'applied' | 'rejected';
}

/**
 * Measures how long a deposit takes to become visible through the read API: POST, then poll
 * `GET /transactions/{id}` every `pollMs` until it reads `applied`. The projector must be consuming the
 * service topic already (under serverless-offline, or the bench's stand-in).
 *
 * @example
 * ```ts
 * const result = await measureEndToEnd(service, { rate: 20, seconds: 10, accounts: 20, pollMs: 10, timeoutMs: 15_000 });
 * ```
 */
export async function measureEndToEnd(
  service: ServiceUrl,
  options: EndToEndOptions,
): Promise<EndToEndResult> {
  const polls: number[] = [];
  const slots = semaphore(options.maxPollsInFlight);
  const waitApplied = async (transactionId: string, since: number): Promise<number | undefined> => {
    while (performance.now() - since < options.timeoutMs) {
      const read = await slots.run(async () => {
        const started = performance.now();
        const answer = await call<Transaction>(
          service,
          'GET',
          `/transactions/${transactionId}`,
          undefined,
          200,
        );
        polls.push(performance.now() - started);
        return answer;
      });
      if (read.status === 'applied') return performance.now() - since;
      if (read.status === 'rejected') throw new Error(`transaction ${transactionId} was rejected`);
      await sleep(Math.max(options.pollMs, (performance.now() - since) * options.pollFraction));
    }
    return undefined;
  };

  const opened = await Promise.all(
    Array.from({ length: options.accounts }, (_, i) =>
      call<{ accountId: string; transactionId: string }>(
        service,
        'POST',
        '/accounts',
        { name: `Bench E2E ${i}`, currency: 'USD' },
        202,
      ),
    ),
  );
  // To accounts that do not exist: the projector rejects them, and nobody waits for them.
  await atConcurrency(options.maxPollsInFlight, options.warmupDeposits, async () => {
    await call(service, 'POST', `/accounts/${randomUUID()}/deposits`, { amount: 1 }, 202);
  });
  // Waiting for the openings also warms the read workers, and drains what the projector had to catch up on.
  for (const { transactionId } of opened) {
    if ((await waitApplied(transactionId, performance.now())) === undefined) {
      throw new Error(`account opening ${transactionId} was not applied within ${options.timeoutMs} ms`);
    }
  }
  polls.length = 0;

  const posts: number[] = [];
  const results = await atRate(options.rate, options.rate * options.seconds, async (i) => {
    const account = opened[i % opened.length]?.accountId as string;
    const started = performance.now();
    const { transactionId } = await call<Transaction>(
      service,
      'POST',
      `/accounts/${account}/deposits`,
      { amount: 100 + i },
      202,
    );
    posts.push(performance.now() - started);
    return waitApplied(transactionId, started);
  });
  const visible = results.filter((ms): ms is number => ms !== undefined);
  return {
    options,
    readsPerS: Math.round(
      (polls.length / (options.seconds * 1000 + (visible.length ? Math.max(...visible) : 0))) * 1000,
    ),
    visible: summarise(visible),
    post: summarise(posts),
    poll: summarise(polls),
    timedOut: results.length - visible.length,
  };
}

/** At most `limit` calls of `run` at a time; the others wait in line. */
function semaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      // A finishing task hands its slot straight to the next in line, so `active` never passes `limit`.
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else active += 1;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active -= 1;
      }
    },
  };
}
