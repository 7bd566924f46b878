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

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1';
const CLIENT_ID = '4example0client0id0000000';
// Placeholder credentials only: packaging must never call AWS.
const packagingEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  AWS_ACCESS_KEY_ID: 'placeholder',
  AWS_SECRET_ACCESS_KEY: 'placeholder',
  SLS_TELEMETRY_DISABLED: '1',
  BANKU_BUILD_ID: `package-${process.pid}`,
  ...extra,
});
const serverless = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), ...args], {
    cwd: root,
    env,
    timeout: 120_000,
  });

describe('the packaged CloudFormation template (npm run package, no AWS account)', () => {
  const out = mkdtempSync(join(tmpdir(), 'banku-package-'));
  let resources: Record<string, Resource>;

  beforeAll(async () => {
    await serverless(
      [
        'package',
        '--stage',
        'dev',
        '--package',
        out,
        `--param=authIssuer=${ISSUER}`,
        `--param=authAudience=${CLIENT_ID}`,
      ],
      packagingEnv(),
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
        'Authorizer',
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
    expect(artifacts.size).toBe(9);
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

  it('guards every route with the bearer-token authorizer of the named issuer', () => {
    const authorizers = ofType('AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[authorizerId, authorizer] = []] = authorizers;
    expect(authorizer?.Properties).toMatchObject({
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    const methods = ofType('AWS::ApiGateway::Method').map(([, resource]) => resource.Properties);
    expect(methods).toHaveLength(7);
    for (const method of methods) {
      expect(method.AuthorizationType).toBe('CUSTOM');
      expect(method.AuthorizerId).toEqual({ Ref: authorizerId });
    }
    const variables = (lambda('Authorizer').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: CLIENT_ID,
      AUTH_OPERATOR_CLAIM: 'cognito:groups',
    });
    expect(lambda('Authorizer').VpcConfig).toBeUndefined();
    expect(actions('AuthorizerRole')).toEqual([]);
    const refusals = ofType('AWS::ApiGateway::GatewayResponse').map(([, resource]) => resource.Properties);
    expect(refusals).toContainEqual(
      expect.objectContaining({ ResponseType: 'UNAUTHORIZED', StatusCode: '401' }),
    );
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

describe('packaging a stage without a real token issuer', () => {
  const out = mkdtempSync(join(tmpdir(), 'banku-package-refused-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it('fails when the stage names no issuer', async () => {
    const error = await serverless(['package', '--stage', 'dev', '--package', out], packagingEnv()).catch(
      (caught: Error & { stdout?: string; stderr?: string }) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as { stdout?: string }).stdout}${(error as { stderr?: string }).stderr}`).toMatch(
      /AUTH_ISSUER/,
    );
  });

  it('fails when the issuer is the local one', async () => {
    const error = await serverless(
      ['package', '--stage', 'dev', '--package', out],
      packagingEnv({ AUTH_ISSUER: 'http://127.0.0.1:40123', AUTH_AUDIENCE: 'banku-local' }),
    ).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as { stdout?: string }).stdout}${(error as { stderr?: string }).stderr}`).toMatch(
      /must name a real token issuer: AUTH_ISSUER must be an https URL/,
    );
  });
});
