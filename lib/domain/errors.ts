/**
 * Thrown by `evolve` when an outcome cannot follow the state it is applied to (an applied outcome for a missing
 * account, an `AccountOpened` for an existing one, or a `balanceAfter` that disagrees with the balance). The
 * decider never produces such a pair; seeing one means the projection and the log have diverged, and going on
 * would corrupt balances, so the projector must stop the batch instead of skipping.
 *
 * @example
 * try { state = evolve(state, outcome); } catch (error) { if (error instanceof OutcomeNotApplicableError) throw error; }
 */
export class OutcomeNotApplicableError extends Error {
  override readonly name = 'OutcomeNotApplicableError';

  constructor(
    readonly outcomeType: string,
    readonly accountId: string,
    detail: string,
  ) {
    super(`${outcomeType} cannot be applied to account ${accountId}: ${detail}`);
  }
}
