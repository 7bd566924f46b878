import type { TestProject } from 'vitest/node';
import { type RunningStack, startStack } from '../localstack/stack/stack.js';

/**
 * Starts the local stack once for the whole run, through the same code as `npm run stack`, and hands
 * its environment to the test workers. Tests create their own topics (through
 * `LOCAL_STACK_CONTROL_URL`) and use their own Redis key prefixes, so files can run in parallel.
 */
let stack: RunningStack | undefined;

export async function setup(_project: TestProject): Promise<void> {
  stack = await startStack();
  // Workers are forked after this point and inherit the environment.
  Object.assign(process.env, stack.env);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
