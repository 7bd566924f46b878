import type { TestProject } from 'vitest/node';
import { type RunningStack, startStack } from '../localstack/stack/stack.js';
import type { StackEnv } from '../localstack/stack/stack-env.js';

/**
 * Starts the local stack once for the whole run, through the same code as `npm run stack`, and hands
 * its environment to the test workers (`test/stack-env.ts` puts it in their `process.env`). Tests create
 * their own topics (through `LOCAL_STACK_CONTROL_URL`) and use their own Redis key prefixes, so files
 * can run in parallel.
 */
let stack: RunningStack | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

export async function setup(project: TestProject): Promise<void> {
  stack = await startStack();
  project.provide('stackEnv', stack.env);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
