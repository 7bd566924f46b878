import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runNpmScript } from '../support/cli-process.js';

/** `npm run topics -- <args>` for the local stage on `brokers`, under a prefix of its own. */
async function topics(brokers: string, prefix: string, args: string[] = []) {
  const run = runNpmScript('topics', { ...process.env, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix }, [
    '--stage',
    'local',
    ...args,
  ]);
  const { code } = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr.join('') };
}

describe('npm run topics', () => {
  it('says plainly that a broker without the admin API (the mock) cannot be checked', async () => {
    const run = await topics(process.env.KAFKA_BROKERS!, `topics-${randomUUID().slice(0, 8)}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no admin API for this .*use Apache Kafka or MSK/);
  });

  it('refuses a stage that cannot be deployed, before reaching any cluster', async () => {
    const run = runNpmScript('topics', process.env, ['--stage', 'Prod']);
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr.join('')).toContain('"Prod" is not a deployable stage');
  });
});
