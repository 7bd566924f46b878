import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

describe('the packaged CloudFormation template (npm run package, no AWS account)', () => {
  const out = mkdtempSync(join(tmpdir(), 'banku-package-'));
  let resources: Record<string, Resource>;

  beforeAll(async () => {
    // Placeholder credentials only: packaging must never call AWS.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'placeholder',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
      SLS_TELEMETRY_DISABLED: '1',
      BANKU_BUILD_ID: `package-${process.pid}`,
    };
    await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'dev', '--package', out],
      { cwd: root, env, timeout: 120_000 },
    );
    resources = JSON.parse(
      readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ).Resources;
  }, 150_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const statements = (role: string): Statement[] =>
    (
      (resources[role]?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
  const actions = (role: string) => statements(role).flatMap((statement) => [statement.Action].flat());
  const lambda = (name: string) => resources[`${name}LambdaFunction`]?.Properties as Record<string, unknown>;

  it('has each function, bundled separately, on arm64 Node', () => {
    const functions = ofType('AWS::Lambda::Function').map(([id]) => id.replace('LambdaFunction', ''));
    expect(functions.sort()).toEqual(
      [
        'Deposit',
        'GetAccount',
        'GetTransaction',
        'ListTransactions',
        'OpenAccount',
        'ProjectEvents',
        'Transfer',
        'Withdraw',
      ].sort(),
    );
    for (const [, resource] of ofType('AWS::Lambda::Function')) {
      expect(resource.Properties.Architectures).toEqual(['arm64']);
      expect(String(resource.Properties.Runtime)).toMatch(/^nodejs(20|22)\.x$/);
    }
    const artifacts = new Set(
      ofType('AWS::Lambda::Function').map(([, resource]) =>
        JSON.stringify((resource.Properties.Code as { S3Key: unknown }).S3Key),
      ),
    );
    expect(artifacts.size).toBe(8);
  });

  it('routes every path, each requiring the API key, with a usage plan', () => {
    const methods = ofType('AWS::ApiGateway::Method').map(([, resource]) => resource.Properties);
    expect(methods).toHaveLength(7);
    for (const method of methods) expect(method.ApiKeyRequired).toBe(true);
    const routes = methods.map((method) => `${method.HttpMethod} ${JSON.stringify(method.ResourceId)}`);
    expect(routes.filter((route) => route.startsWith('POST'))).toHaveLength(4);
    expect(ofType('AWS::ApiGateway::ApiKey')).toHaveLength(1);
    expect(ofType('AWS::ApiGateway::UsagePlan')).toHaveLength(1);
    expect(ofType('AWS::ApiGateway::UsagePlanKey')).toHaveLength(1);
  });

  it('grants producers and the projector only what they use', () => {
    expect(actions('CommandRole').sort()).toEqual(
      [
        'kafka-cluster:Connect',
        'kafka-cluster:WriteDataIdempotently',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:WriteData',
        'kafka:GetBootstrapBrokers',
        'ssm:GetParameter',
      ].sort(),
    );
    const projector = actions('ProjectorRole');
    for (const action of [
      'kafka-cluster:ReadData',
      'kafka-cluster:DescribeGroup',
      'kafka-cluster:AlterGroup',
    ]) {
      expect(projector).toContain(action);
    }
    expect(actions('CommandRole')).not.toContain('kafka-cluster:ReadData');
    expect(actions('QueryRole')).toEqual(['ssm:GetParameter']);
    for (const role of ['CommandRole', 'ProjectorRole', 'QueryRole']) {
      for (const statement of statements(role)) {
        if (String(statement.Action).startsWith('kafka-cluster')) expect(statement.Resource).not.toBe('*');
      }
    }
  });

  it('runs the functions that talk to MSK in the VPC, and keeps secrets out of the template', () => {
    for (const name of ['OpenAccount', 'Deposit', 'Withdraw', 'Transfer', 'ProjectEvents']) {
      const vpc = lambda(name).VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      expect(vpc.SubnetIds.length).toBeGreaterThan(0);
      expect(vpc.SecurityGroupIds.length).toBeGreaterThan(0);
    }
    for (const name of ['GetAccount', 'ListTransactions', 'GetTransaction'])
      expect(lambda(name).VpcConfig).toBeUndefined();
    const variables = (lambda('Deposit').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.UPSTASH_REDIS_REST_TOKEN).toBeUndefined();
    expect(variables.UPSTASH_REDIS_REST_TOKEN_PARAMETER).toBe('/banku/dev/upstash-redis-rest-token');
    expect(variables.MSK_CLUSTER_ARN).toMatch(/^arn:aws:kafka:/);
  });

  it('maps the MSK topic to the projector with its batch size, starting position and consumer group', () => {
    const [[, mapping] = []] = ofType('AWS::Lambda::EventSourceMapping');
    expect(mapping?.Properties).toMatchObject({
      Topics: ['banku.account-commands'],
      BatchSize: 100,
      StartingPosition: 'TRIM_HORIZON',
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'banku-projector' },
    });
    expect(String(mapping?.Properties.EventSourceArn)).toMatch(/^arn:aws:kafka:.*:cluster\//);
  });
});
