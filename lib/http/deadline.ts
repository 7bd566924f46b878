import type { Context } from 'aws-lambda';

/**
 * Time kept back from the invocation's remaining time: the answer is built and handed back to the Lambda
 * runtime within it, so API Gateway gets a response, never the function's timeout (a 504 with no body).
 *
 * @example
 * ```ts
 * const answerBy = Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS;
 * ```
 */
export const ANSWER_MARGIN_MS = 1_000;

/**
 * The instant (epoch ms) by which a request must be answered: the invocation's remaining time less
 * {@link ANSWER_MARGIN_MS}. Undefined when there is no Lambda context (a direct call in a test or tool).
 *
 * @example
 * ```ts
 * const answerBy = answerDeadline(context); // Date.now() + 9_000 at the start of a 10 s function
 * ```
 */
export function answerDeadline(
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  return now + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS;
}

/**
 * A step did not finish by the time the request's deadline allowed it.
 *
 * @example
 * ```ts
 * await expect(beforeDeadline(never, Date.now())).rejects.toThrow(DeadlineExceededError);
 * ```
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/**
 * Settles as `work` does, or rejects with {@link DeadlineExceededError} at `deadline` (epoch ms) if it
 * has not settled by then. The work itself is not cancelled: give every call below its own deadline too.
 * An undefined deadline waits for the work alone.
 *
 * @example
 * ```ts
 * const admission = await beforeDeadline(admissions.admit(request), answerBy - publishTimeoutMs);
 * ```
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number | undefined): Promise<T> {
  if (deadline === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new DeadlineExceededError('the step did not finish before the request had to be answered')),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
