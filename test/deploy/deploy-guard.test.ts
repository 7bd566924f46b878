import { describe, expect, it } from 'vitest';
import { LOCAL_STAGE_VARIABLES } from '../../lib/config/stages.js';
import { deployRefusal, serverlessDeployArguments } from '../../localstack/deploy/guard.js';
import { STACK_ENV_NAMES } from '../../localstack/stack/stack-env.js';
import { runNpmScript } from '../support/cli-process.js';

/** A shell with nothing of the local stack in it. */
function cleanShell(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

describe('npm run deploy', () => {
  it('refuses to run in a shell set up for the local stack, naming the variables to unset', async () => {
    const run = runNpmScript(
      'deploy',
      cleanShell({ KAFKA_BROKERS: 'localhost:9092', UPSTASH_REDIS_REST_URL: 'http://localhost:8079' }),
      ['--stage', 'prod'],
    );
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr.join('')).toContain('unset KAFKA_BROKERS UPSTASH_REDIS_REST_URL');
  });

  it('refuses every variable the local stack prints or the local stage reads', () => {
    for (const name of [...STACK_ENV_NAMES, ...LOCAL_STAGE_VARIABLES]) {
      expect(deployRefusal(['--stage', 'prod'], { [name]: 'set' }), name).toContain(name);
    }
    expect(deployRefusal(['--stage', 'prod'], { KAFKA_BROKERS: '' })).toBeUndefined();
  });

  it('refuses without a stage, for the local stage and for a stage name that cannot be deployed', () => {
    expect(deployRefusal([], {})).toMatch(/name the stage/);
    expect(deployRefusal(['--stage', 'local'], {})).toMatch(/runs on this machine/);
    expect(deployRefusal(['--stage=Prod'], {})).toMatch(/not a deployable stage/);
    expect(deployRefusal(['-s', 'prod'], {})).toBeUndefined();
  });

  it('runs serverless deploy with --conceal, once, after the caller’s options', () => {
    expect(serverlessDeployArguments(['--stage', 'prod', '--conceal', '--region', 'eu-west-1'])).toEqual([
      'deploy',
      '--stage',
      'prod',
      '--region',
      'eu-west-1',
      '--conceal',
    ]);
  });

  it('from a clean shell, hands over to serverless, which checks the stage’s parameters first', async () => {
    // SSM answers nothing here (no endpoint), so serverless stops at the parameters, before any AWS change.
    const run = runNpmScript(
      'deploy',
      cleanShell({
        AWS_ACCESS_KEY_ID: 'placeholder',
        AWS_SECRET_ACCESS_KEY: 'placeholder',
        AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
        SLS_TELEMETRY_DISABLED: '1',
      }),
      ['--stage', 'prod'],
    );
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    expect(run.stdout.join('\n') + run.stderr.join('')).toMatch(/Cannot resolve variable at "custom\.stage"/);
  }, 60_000);
});
