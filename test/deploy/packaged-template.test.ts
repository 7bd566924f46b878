import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { LUA_SCRIPTS } from '../../lib/redis/lua-scripts.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, recordsOf } from '../support/msk-events.js';
import { testRedis } from '../support/redis.js';

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

  it('ships a projector bundle that carries its Lua scripts and projects a batch against the local stack', async () => {
    const archive = readdirSync(out).find(
      (name) => name.startsWith('projectEvents') && name.endsWith('.zip'),
    );
    const zip = await JSZip.loadAsync(readFileSync(join(out, archive ?? 'projectEvents.zip')));
    const unpacked = mkdtempSync(join(tmpdir(), 'banku-projector-'));
    let bundle = '';
    for (const [name, file] of Object.entries(zip.files)) {
      if (file.dir) continue;
      mkdirSync(dirname(join(unpacked, name)), { recursive: true });
      writeFileSync(join(unpacked, name), await file.async('nodebuffer'));
      if (name.endsWith('.mjs')) bundle = join(unpacked, name);
    }
    const code = readFileSync(bundle, 'utf8');
    for (const script of Object.values(LUA_SCRIPTS)) {
      const line = script.split('\n').find((text) => text.includes('redis.call')) ?? '';
      expect(code).toContain(line.trim());
    }

    const topicPrefix = `packaged-${randomUUID()}`;
    await localStackControl().createTopicSet(topicPrefix);
    const redis = await testRedis('packaged');
    try {
      const events = bankEvents();
      const account = randomUUID();
      const batch = mskEvent(
        recordsOf(topicName('commands', topicPrefix), 0, [events.open(account), events.deposit(account, 42)]),
      );
      // The bundle runs in a plain Node process, as Lambda runs it: no TypeScript, no loader, no test runner.
      const invoke = `const { handler } = await import(process.env.BUNDLE_URL);
        console.log('COUNTS ' + JSON.stringify(await handler(JSON.parse(process.env.MSK_EVENT))));
        process.exit(0);`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', invoke], {
        env: {
          ...process.env,
          KAFKA_TOPIC_PREFIX: topicPrefix,
          REDIS_KEY_PREFIX: redis.prefix,
          BUNDLE_URL: pathToFileURL(bundle).href,
          MSK_EVENT: JSON.stringify(batch),
        },
        timeout: 30_000,
      });
      const counts = stdout.split('\n').find((line) => line.startsWith('COUNTS '));
      expect(JSON.parse(counts?.slice('COUNTS '.length) ?? '{}')).toMatchObject({ records: 2, applied: 2 });
      const store = new ProjectionStore(redis.redis, redis.prefix);
      expect(await store.getAccount('main', account)).toMatchObject({ balance: 42 });
    } finally {
      await redis.cleanup();
      rmSync(unpacked, { recursive: true, force: true });
    }
  }, 60_000);
});
