import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/config/errors.js';
import {
  LOCAL_STAGE,
  MissingStageParametersError,
  STAGE_PARAMETERS,
  type StageParameterSources,
  ssmParameterPath,
  stageNames,
  stageSettings,
} from '../../lib/config/stages.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/banku-qa/0b1c2d3e-1';
const SHELL = {
  KAFKA_BROKERS: 'localhost:9092',
  KAFKA_TOPIC_PREFIX: 'shell-prefix',
  PROJECTOR_GROUP_ID: 'shell-group',
  REDIS_KEY_PREFIX: 'shell-keys',
  UPSTASH_REDIS_REST_URL: 'http://localhost:8079',
  BANKU_API_KEY: 'shell-api-key',
  BANKU_BUILD_ID: 'shell-build',
  AUTH_ISSUER: 'http://localhost:4000',
  AUTH_AUDIENCE: 'shell-audience',
};
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

/** SSM holding `parameters` (by their --param name) for stage qa; records what was asked. */
function ssmWith(parameters: Record<string, string | string[]>, given: Record<string, string> = {}) {
  const asked: string[] = [];
  const byPath = new Map(
    Object.entries(parameters).map(([name, value]) => [
      ssmParameterPath('qa', STAGE_PARAMETERS[name as keyof typeof STAGE_PARAMETERS].ssmName),
      value,
    ]),
  );
  const sources: StageParameterSources = {
    param: (name) => given[name],
    ssm: async (path) => {
      asked.push(path);
      return byPath.get(path) ?? null;
    },
    region: 'eu-west-1',
  };
  return { sources, asked };
}

const ALL = {
  mskClusterArn: CLUSTER,
  subnetIds: ['subnet-a', 'subnet-b'],
  securityGroupIds: ['sg-a'],
  upstashRestUrl: 'https://qa.upstash.io',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:qa-alarms',
  authIssuer: ISSUER,
  authAudience: 'qa-app-client',
};

describe('a deployable stage', () => {
  it('takes every parameter from SSM and nothing from the shell', async () => {
    const { sources } = ssmWith(ALL);
    const settings = await stageSettings('qa', sources, SHELL);
    expect(settings).toMatchObject({
      stage: 'qa',
      deployable: true,
      topicPrefix: 'banku-qa',
      topics: { commands: 'banku-qa.account-commands', facts: 'banku-qa.account-events' },
      projectorGroupId: 'banku-qa-projector',
      redisKeyPrefix: 'banku-qa',
      metricsNamespace: 'Banku/qa',
      kafkaBrokers: '',
      mskClusterArn: CLUSTER,
      mskClusterPath: 'banku-qa/0b1c2d3e-1',
      subnetIds: ['subnet-a', 'subnet-b'],
      upstashRestUrl: 'https://qa.upstash.io',
      upstashTokenParameter: '/banku/qa/upstash-redis-rest-token',
      apiKeyValue: null,
      auth: {
        issuer: ISSUER,
        audience: 'qa-app-client',
        jwksUrl: '',
        operatorClaim: 'cognito:groups',
        operatorValue: 'banku-operators',
      },
    });
    expect(JSON.stringify(settings)).not.toMatch(/shell|localhost/);
  });

  it('prefers --param to SSM, and reads a list parameter from a comma-separated value', async () => {
    const { sources, asked } = ssmWith(ALL, {
      subnetIds: 'subnet-x, subnet-y',
      upstashRestUrl: 'https://given',
    });
    const settings = await stageSettings('qa', sources, {});
    expect(settings.subnetIds).toEqual(['subnet-x', 'subnet-y']);
    expect(settings.upstashRestUrl).toBe('https://given');
    expect(asked).not.toContain('/banku/qa/subnet-ids');
    expect(asked).not.toContain('/banku/qa/upstash-redis-rest-url');
  });

  it('reports every missing parameter at once, with its SSM name, type and --param', async () => {
    const { sources } = ssmWith({ mskClusterArn: CLUSTER, upstashRestUrl: 'https://qa.upstash.io' });
    const failure = await stageSettings('qa', sources, SHELL).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MissingStageParametersError);
    expect((failure as MissingStageParametersError).missing).toEqual([
      'subnetIds',
      'securityGroupIds',
      'alarmTopicArn',
      'authIssuer',
      'authAudience',
    ]);
    const message = (failure as Error).message;
    expect(message).toContain('/banku/qa/subnet-ids (StringList)');
    expect(message).toContain('/banku/qa/alarm-topic-arn (String)');
    expect(message).toContain('--param="securityGroupIds=…"');
  });

  it('refuses a cluster ARN that is malformed or in another region, naming the parameter', async () => {
    await expect(
      stageSettings('qa', ssmWith({ ...ALL, mskClusterArn: 'banku-cluster' }).sources),
    ).rejects.toThrow(
      /^mskClusterArn \(\/banku\/qa\/msk-cluster-arn\): "banku-cluster" is not an MSK cluster ARN/,
    );
    const elsewhere = CLUSTER.replace('eu-west-1', 'us-east-1');
    await expect(stageSettings('qa', ssmWith({ ...ALL, mskClusterArn: elsewhere }).sources)).rejects.toThrow(
      /in us-east-1, but stage qa deploys to eu-west-1/,
    );
  });

  it('must name a real token issuer: https, not this machine', async () => {
    for (const local of ['http://127.0.0.1:40123', 'https://localhost:8443', 'http://issuer.example.com']) {
      await expect(stageSettings('qa', ssmWith({ ...ALL, authIssuer: local }).sources)).rejects.toThrow(
        /^authIssuer \(\/banku\/qa\/auth-issuer\) must be an https URL of a real token issuer/,
      );
    }
    await expect(
      stageSettings('qa', ssmWith(ALL, { authJwksUrl: 'http://127.0.0.1:40123/jwks' }).sources),
    ).rejects.toThrow(/^authJwksUrl/);
  });

  it('takes the optional token settings from --param (or SSM) over their defaults', async () => {
    const { sources } = ssmWith(ALL, {
      authJwksUrl: 'https://idp.example.com/oauth2/v1/keys',
      authOperatorClaim: 'scope',
      authOperatorValue: 'banku/operator',
    });
    expect((await stageSettings('qa', sources, {})).auth).toMatchObject({
      jwksUrl: 'https://idp.example.com/oauth2/v1/keys',
      operatorClaim: 'scope',
      operatorValue: 'banku/operator',
    });
  });

  it('must be named so that every name it makes is valid', () => {
    expect(stageNames('prod').topicPrefix).toBe('banku-prod');
    for (const bad of [LOCAL_STAGE, 'Prod', 'pr od', 'x'.repeat(21), '1prod', ''])
      expect(() => stageNames(bad)).toThrow(ConfigurationError);
  });
});

describe('the local stage', () => {
  it('reads the shell, and stands placeholders in for AWS', async () => {
    const settings = await stageSettings(LOCAL_STAGE, ssmWith({}).sources, SHELL);
    expect(settings).toMatchObject({
      deployable: false,
      topicPrefix: 'shell-prefix',
      topics: { commands: 'shell-prefix.account-commands' },
      projectorGroupId: 'shell-group',
      redisKeyPrefix: 'shell-keys',
      kafkaBrokers: 'localhost:9092',
      upstashRestUrl: 'http://localhost:8079',
      apiKeyValue: 'shell-api-key',
      esbuildWorkFolder: '.esbuild/shell-build',
      mskClusterArn: STAGE_PARAMETERS.mskClusterArn.placeholder,
      auth: { issuer: 'http://localhost:4000', audience: 'shell-audience' },
    });
    // Packaged with no local stack running: placeholders.
    expect((await stageSettings(LOCAL_STAGE, ssmWith({}).sources, {})).auth).toMatchObject({
      issuer: STAGE_PARAMETERS.authIssuer.placeholder,
      audience: STAGE_PARAMETERS.authAudience.placeholder,
    });
  });

  it('never asks SSM', async () => {
    const { sources, asked } = ssmWith(ALL);
    await stageSettings(LOCAL_STAGE, sources, {});
    expect(asked).toEqual([]);
  });
});

describe('the deploy guide (README)', () => {
  it('lists every stage parameter by its SSM name and its --param name', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, parameter] of Object.entries(STAGE_PARAMETERS)) {
      expect(readme).toContain(
        `\`/banku/<stage>/${parameter.ssmName}\` | ${parameter.list ? 'StringList' : 'String'} |`,
      );
      expect(readme).toContain(name);
    }
  });
});
