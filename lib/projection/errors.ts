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
