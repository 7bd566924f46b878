/**
 * Ends a `switch` over a union: with every member handled, `value` is `never` and this compiles; add a
 * member and every such switch fails to compile until it handles it. Reaching it at run time means a
 * value from outside the type system (a corrupt record), so it throws.
 *
 * @example
 * switch (outcome.type) { case 'Deposited': …; default: return unreachable(outcome); }
 */
export function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)?.slice(0, 200)}`);
}
