import { PROJECTION_LAYOUT } from './keys.js';

/**
 * The projection's state changed between reading and writing a batch: an overlapping invocation
 * applied events first, or a rebuild switched namespaces. Nothing was written; decide again.
 *
 * @example
 * ```ts
 * if (error instanceof BatchConflictError) return projectBatchAgain();
 * ```
 */
export class BatchConflictError extends Error {
  constructor(readonly reason: string) {
    super(`the projection changed while the batch was decided (${reason}); nothing was written`);
    this.name = 'BatchConflictError';
  }
}

/**
 * Redis answered something the projection scripts never return: a bug, or a foreign script.
 *
 * @example
 * ```ts
 * throw new UnexpectedReplyError('apply', reply);
 * ```
 */
export class UnexpectedReplyError extends Error {
  constructor(script: string, reply: unknown) {
    super(`unexpected reply from the ${script} script: ${JSON.stringify(reply)?.slice(0, 200)}`);
    this.name = 'UnexpectedReplyError';
  }
}

/**
 * The projection does not hold what the consumer's committed offsets imply: the partition's checkpoint
 * is missing (Redis was emptied, keys were evicted, the service points at another database) or behind
 * the batch (an old copy was restored). Nothing was written and nothing may be decided against this
 * state: restore the partition from the facts topic, then retry the batch.
 *
 * @example
 * ```ts
 * if (error instanceof ProjectionStateLostError) await restore(error.partition, error.follows);
 * ```
 */
export class ProjectionStateLostError extends Error {
  constructor(
    readonly partition: number,
    /** The offset the checkpoint should have reached. */
    readonly follows: string,
    /** What the checkpoint holds, or null when it is missing. */
    readonly checkpoint: string | null,
  ) {
    super(
      `the projection lost state of commands partition ${partition}: its checkpoint is ` +
        `${checkpoint === null ? 'missing' : `at offset ${checkpoint}`}, but offsets up to ${follows} were ` +
        'committed; nothing was decided. Restore the partition from the facts topic and retry',
    );
    this.name = 'ProjectionStateLostError';
  }
}

/**
 * Commands of the batch were abandoned (answered 503) after the batch was read: their requests must be
 * decided as abandoned. Nothing was written; decide again with them.
 *
 * @example
 * ```ts
 * if (error instanceof RequestsAbandonedError) for (const id of error.transactionIds) abandoned.add(id);
 * ```
 */
export class RequestsAbandonedError extends BatchConflictError {
  constructor(readonly transactionIds: readonly string[]) {
    super('abandoned');
    this.name = 'RequestsAbandonedError';
  }
}

/**
 * Messages the partition's outbox held when the batch was written were gone when they were read back:
 * Redis lost them (emptied, replaced) between the two calls, or an overlapping invocation published and
 * removed them. They may never have reached Kafka, so the batch must not count as done: it is retried,
 * and the retry finds either nothing left to publish or the lost state (and restores it from the facts).
 *
 * @example
 * ```ts
 * if (error instanceof OutboxReadBackError) throw error; // the event source mapping retries the batch
 * ```
 */
export class OutboxReadBackError extends Error {
  constructor(
    readonly partition: number,
    readonly positions: readonly string[],
  ) {
    super(
      `${positions.length} message(s) of the outbox of commands partition ${partition} vanished between ` +
        'the write and the read back; nothing is acknowledged, retry the batch',
    );
    this.name = 'OutboxReadBackError';
  }
}

/**
 * The namespace holds a projection written by a release with another layout (or from before layouts
 * were stamped): what its keys hold cannot be read as this release's. Nothing was read or written.
 * Rebuild the projection from the facts into a fresh namespace and switch to it; until then the
 * projector's batches fail and are retried, so commands wait on the log.
 *
 * @example
 * ```ts
 * if (error instanceof ProjectionLayoutError) logger.error('rebuild needed', { namespace: error.namespace });
 * ```
 */
export class ProjectionLayoutError extends Error {
  constructor(
    readonly namespace: string,
    /** The namespace's layout stamp, or null when it has none. */
    readonly found: string | null,
  ) {
    const written = found === null ? 'a layout from before layouts were stamped' : `layout ${found}`;
    super(
      `namespace "${namespace}" was written in ${written}, and this release reads and writes layout ` +
        `${PROJECTION_LAYOUT}; nothing was read or written. Rebuild the projection from the facts into a ` +
        'fresh namespace and switch to it (README, "Upgrading across a layout change"); until then ' +
        'batches are retried and commands wait on the log',
    );
    this.name = 'ProjectionLayoutError';
  }
}
