import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type RunningStack, startStack } from '../localstack/stack/stack.js';
import type { StackEnv } from '../localstack/stack/stack-env.js';

/**
 * Starts the local stack once for the whole run, through the same code as `npm run stack`, and hands
 * its environment to the test workers (`test/stack-env.ts` puts it in their `process.env`). Tests create
 * their own topics (through `LOCAL_STACK_CONTROL_URL`) and use their own Redis key prefixes, so files
 * can run in parallel. The broker is the mock, or Apache Kafka under `BANKU_BROKER=apache`
 * (`npm run test:kafka`), whose log then lives in a folder of this run's own.
 */
let stack: RunningStack | undefined;
let kafkaDataDir: string | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

export async function setup(project: TestProject): Promise<void> {
  kafkaDataDir = await mkdtemp(join(tmpdir(), 'banku-test-kafka-'));
  stack = await startStack({ kafkaDataDir });
  project.provide('stackEnv', stack.env);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  if (kafkaDataDir) await rm(kafkaDataDir, { recursive: true, force: true });
}
