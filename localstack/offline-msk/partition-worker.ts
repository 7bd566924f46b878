import { setTimeout as sleep } from 'node:timers/promises';
import { buildMskEvent, encodedSize } from './event-shape.js';
import { type ResolvedMapping, retryDelayMs } from './mapping-config.js';
import type { DiscardedBatch, InvokeFunction, MappingLogger, MskRecord } from './types.js';

/**
 * What a {@link PartitionWorker} needs from the mapping that owns it.
 *
 * @example
 * const context: PartitionContext = { mapping, partition: 0, invoke, commit, pause, resume, logger: {}, stopSignal, maxPayloadBytes: 6_000_000 };
 */
export interface PartitionContext {
  mapping: ResolvedMapping;
  partition: number;
  invoke: InvokeFunction;
  /** Commits `offset` (the next offset to read) for the partition, in the current group generation. */
  commit(offset: number): Promise<void>;
  /** Stops / restarts fetching the partition (back-pressure while batches wait). */
  pause(): void;
  resume(): void;
  logger: MappingLogger;
  onDiscard?: ((batch: DiscardedBatch) => void) | undefined;
  /** Aborted when the whole mapping stops. */
  stopSignal: AbortSignal;
  /** A batch never grows past this many bytes of JSON (AWS's 6 MB invocation payload limit). */
  maxPayloadBytes: number;
}

interface Pending {
  offset: number;
  record: MskRecord;
  size: number;
}

type Delivery = 'delivered' | 'discarded' | 'interrupted';

/**
 * Batches, invokes and commits one partition of a mapping, in offset order, one batch at a time.
 * kafkajs' `eachBatch` hands it records ({@link add}) and returns at once, so the consumer keeps
 * fetching the other partitions and heartbeating while a batch waits for its window or is retried.
 * Offsets are committed only after the invocation that covers them succeeded; records the filter or
 * the starting position skip are committed with the batch after them, or alone when none follows.
 *
 * @example
 * const worker = new PartitionWorker(context);
 * worker.add(15, record);      // from eachBatch
 * await worker.retire();       // after a rebalance: stop, wait for an in-flight invocation
 */
export class PartitionWorker {
  private readonly pending: Pending[] = [];
  private pendingBytes = 0;
  /** When the oldest pending record arrived: the batching window runs from there. */
  private windowStart = 0;
  /** The highest offset handed over, delivered or skipped. */
  private lastSeen: number | undefined;
  /** The offset last committed by this worker (the next one to read). */
  private committed: number | undefined;
  private paused = false;
  private readonly retired = new AbortController();
  /** Aborted on stop or retirement: cuts back-off sleeps short. */
  private readonly interrupt: AbortSignal;
  private wake: (() => void) | undefined;
  /** Settles when the worker has finished (stopped or retired, nothing in flight). */
  readonly done: Promise<void>;

  /**
   * @param previous the worker this one replaces after a rebalance; it must finish (its in-flight
   *   invocation included) before this one invokes, so that records stay in order.
   */
  constructor(
    private readonly context: PartitionContext,
    previous?: Promise<void>,
  ) {
    this.interrupt = AbortSignal.any([context.stopSignal, this.retired.signal]);
    this.interrupt.addEventListener('abort', () => this.wake?.(), { once: true });
    this.done = this.run(previous).catch((error: unknown) => {
      this.context.logger.error?.(`${this.label()}: worker failed: ${describe(error)}`);
    });
  }

  /**
   * Takes the next record of the partition: `record` to deliver, or undefined when it is skipped
   * (filtered out, or before the starting position) and only needs committing.
   */
  add(offset: number, record: MskRecord | undefined): void {
    if (this.lastSeen !== undefined && offset <= this.lastSeen) return;
    this.lastSeen = offset;
    if (record) {
      if (this.pending.length === 0) this.windowStart = Date.now();
      const size = encodedSize(record);
      this.pending.push({ offset, record, size });
      this.pendingBytes += size;
      // Back-pressure: one batch in flight and one waiting is enough.
      if (
        !this.paused &&
        (this.pending.length >= 2 * this.batchSize() || this.pendingBytes >= 2 * this.maxBytes())
      ) {
        this.paused = true;
        this.context.pause();
      }
    }
    this.wake?.();
  }

  /** Marks every offset up to `offset` as seen (control records at the end of a transactional batch). */
  skipThrough(offset: number): void {
    if (this.lastSeen === undefined || offset > this.lastSeen) this.add(offset, undefined);
  }

  /** Stops this worker (rebalance): no new invocation, no commit; resolves when nothing is in flight. */
  retire(): Promise<void> {
    this.retired.abort();
    return this.done;
  }

  private async run(previous: Promise<void> | undefined): Promise<void> {
    await previous;
    while (!this.retired.signal.aborted) {
      const stopping = this.context.stopSignal.aborted;
      if (this.pending.length === 0) {
        const target = this.lastSeen === undefined ? undefined : this.lastSeen + 1;
        if (target !== undefined && target !== this.committed) {
          if (!(await this.commit(target)) && !stopping)
            await this.pauseFor(this.context.mapping.backoffBaseMs);
          if (stopping) return;
          continue;
        }
        if (stopping) return;
        await this.waitForWork(undefined);
        continue;
      }
      const windowLeft = this.windowStart + this.context.mapping.batchingWindowMs - Date.now();
      if (!this.batchFull() && windowLeft > 0) {
        // Records not yet handed to the function are dropped on stop: uncommitted, they come back later.
        if (stopping) return;
        await this.waitForWork(windowLeft);
        continue;
      }
      const batch = this.takeBatch();
      const outcome = await this.deliver(batch);
      if (outcome === 'interrupted' || this.retired.signal.aborted) return;
      this.pending.splice(0, batch.length);
      this.pendingBytes = this.pending.reduce((sum, p) => sum + p.size, 0);
      this.windowStart = Date.now();
      const next = this.pending[0]?.offset ?? (this.lastSeen as number) + 1;
      await this.commit(next);
      if (this.paused && this.pending.length < this.batchSize() && this.pendingBytes < this.maxBytes()) {
        this.paused = false;
        this.context.resume();
      }
    }
  }

  private batchFull(): boolean {
    return this.pending.length >= this.batchSize() || this.pendingBytes >= this.maxBytes();
  }

  /** The longest prefix of pending records within the batch size and payload limit (at least one). */
  private takeBatch(): Pending[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.pending) {
      if (count === this.batchSize() || (count > 0 && bytes + p.size > this.maxBytes())) break;
      bytes += p.size;
      count += 1;
    }
    return this.pending.slice(0, count);
  }

  private async deliver(batch: Pending[]): Promise<Delivery> {
    const { mapping } = this.context;
    const event = buildMskEvent(
      {
        eventSource: mapping.eventSource,
        eventSourceArn: mapping.eventSourceArn,
        bootstrapServers: mapping.bootstrapServers,
      },
      batch.map((p) => p.record),
    );
    const first = batch[0]?.offset as number;
    const last = batch[batch.length - 1]?.offset as number;
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Each attempt gets its own copy, so that a function mutating its event cannot alter a retry.
        await this.context.invoke(structuredClone(event));
        this.context.logger.debug?.(`${this.label()}: invoked with offsets ${first}..${last}`);
        return 'delivered';
      } catch (error) {
        const retries = attempt - 1;
        if (mapping.maximumRetryAttempts >= 0 && retries >= mapping.maximumRetryAttempts) {
          this.context.logger.error?.(
            `${this.label()}: offsets ${first}..${last} discarded after ${attempt} attempts: ${describe(error)}`,
          );
          this.context.onDiscard?.({
            topic: mapping.topic,
            partition: this.context.partition,
            firstOffset: first,
            lastOffset: last,
            attempts: attempt,
            error,
            event,
          });
          return 'discarded';
        }
        if (this.interrupt.aborted) return 'interrupted';
        const delay = retryDelayMs(attempt, mapping.backoffBaseMs, mapping.backoffMaxMs);
        this.context.logger.warn?.(
          `${this.label()}: invocation with offsets ${first}..${last} failed (attempt ${attempt}), retrying in ${delay} ms: ${describe(error)}`,
        );
        await this.pauseFor(delay);
        if (this.interrupt.aborted) return 'interrupted';
      }
    }
  }

  /** Commits; false (logged) when the broker refused, e.g. during a rebalance. */
  private async commit(offset: number): Promise<boolean> {
    if (this.retired.signal.aborted) return false;
    try {
      await this.context.commit(offset);
      this.committed = offset;
      return true;
    } catch (error) {
      this.context.logger.warn?.(`${this.label()}: commit of offset ${offset} failed: ${describe(error)}`);
      return false;
    }
  }

  private async pauseFor(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.interrupt });
    } catch {
      // interrupted: the caller checks why
    }
  }

  /** Resolves when a record arrives, the worker is interrupted, or `timeoutMs` passes. */
  private waitForWork(timeoutMs: number | undefined): Promise<void> {
    if (this.interrupt.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = finish;
    });
  }

  private batchSize(): number {
    return this.context.mapping.batchSize;
  }

  private maxBytes(): number {
    return this.context.maxPayloadBytes;
  }

  private label(): string {
    return `offline-msk: ${this.context.mapping.functionName} ${this.context.mapping.topic}-${this.context.partition}`;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
