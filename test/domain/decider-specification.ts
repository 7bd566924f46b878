import { expect } from 'vitest';
import type { Decider } from '../../lib/domain/types.js';

/**
 * A tiny Emmett-style specification: `given(past events).when(command).then(expected events)`.
 * The given events are folded with `evolve` from `initialState()`; `then` compares the decided events exactly and
 * hands back the state after them, so a test can go on to check the state.
 */
export function deciderSpecification<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return (...given: Event[]) => ({
    when(command: Command) {
      const before = given.reduce(decider.evolve, decider.initialState());
      const decided = decider.decide(command, before);
      return {
        // Emmett's given/when/then vocabulary: `then` here is a step, and this object is never awaited.
        then(...expected: Event[]): { state: State; events: Event[] } {
          expect(decided).toEqual(expected);
          return { state: decided.reduce(decider.evolve, before), events: decided };
        },
      };
    },
  });
}
