import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  OPTIONAL_STAGE_PARAMETERS,
  STAGE_PARAMETERS,
  ssmParameterPath,
  stageNames,
} from '../../lib/config/stages.js';
import { topicName, topicSet } from '../../lib/config/topics.js';
import { ProjectionStore } from '../../lib/projection/store.js';
import { LUA_SCRIPTS } from '../../lib/redis/lua-scripts.js';
import { localStackControl } from '../../localstack/stack/control-client.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, recordsOf } from '../support/msk-events.js';
import { testRedis } from '../support/redis.js';
import { projectorMetrics, recordBatchMetrics } from '../../lib/projector/metrics.js';
import { cfnLint, type LintFinding } from './cfn-lint.js';
import { type FakeSsm, startFakeSsm } from './fake-ssm.js';
import { type PackageResult, packageStage, type Template } from './package-stage.js';

const STAGE = 'prod';
const CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/banku-prod/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e-7';
const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:banku-prod-alarms';
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const SECURITY_GROUPS = ['sg-0123456789abcdef0'];
const UPSTASH_URL = 'https://prod-fake.upstash.io';
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1';
const CLIENT_ID = '4example0client0id0000000';

/** The shell the audit packaged prod from: the local stack's variables sourced, an API key exported. */
const LOCAL_SHELL: Record<string, string> = {
  ...Object.fromEntries(
    readFileSync(fileURLToPath(new URL('../../localstack/docker-compose.env', import.meta.url)), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ),
  KAFKA_TOPIC_PREFIX: 'leaked-topic-prefix',
  PROJECTOR_GROUP_ID: 'leaked-group',
  REDIS_KEY_PREFIX: 'leaked-key-prefix',
  BANKU_API_KEY: 'leaked-api-key-value',
  BANKU_BUILD_ID: 'leaked-build',
  AUTH_ISSUER: 'http://127.0.0.1:40999',
  AUTH_AUDIENCE: 'leaked-audience',
};

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

describe(`the packaged template of a deployable stage (${STAGE}), parameters from SSM`, () => {
  let ssm: FakeSsm;
  let packaged: PackageResult;
  let template: Template;

  beforeAll(async () => {
    ssm = await startFakeSsm({
      [ssmParameterPath(STAGE, 'msk-cluster-arn')]: CLUSTER_ARN,
      [ssmParameterPath(STAGE, 'subnet-ids')]: SUBNETS,
      [ssmParameterPath(STAGE, 'security-group-ids')]: SECURITY_GROUPS,
      [ssmParameterPath(STAGE, 'upstash-redis-rest-url')]: UPSTASH_URL,
      [ssmParameterPath(STAGE, 'alarm-topic-arn')]: ALARM_TOPIC,
      [ssmParameterPath(STAGE, 'auth-issuer')]: ISSUER,
      [ssmParameterPath(STAGE, 'auth-audience')]: CLIENT_ID,
    });
    packaged = await packageStage(STAGE, { ssmUrl: ssm.url, env: LOCAL_SHELL });
    if (!packaged.template) throw new Error(`serverless package failed:\n${packaged.output}`);
    template = packaged.template;
  }, 180_000);
  afterAll(async () => {
    packaged?.remove();
    await ssm?.close();
  });

  it('ships a projector bundle that carries its Lua scripts and projects a batch against the local stack', async () => {
    const archive = readdirSync(packaged.directory).find(
      (name) => name.startsWith('projectEvents') && name.endsWith('.zip'),
    );
    const zip = await JSZip.loadAsync(readFileSync(join(packaged.directory, archive ?? 'projectEvents.zip')));
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

  const resources = () => Object.entries(template.Resources);
  const ofType = (type: string) => resources().filter(([, resource]) => resource.Type === type);
  const one = (type: string) => {
    const found = ofType(type);
    expect(found).toHaveLength(1);
    return found[0]![1].Properties;
  };
  const lambda = (name: string) => template.Resources[`${name}LambdaFunction`]!.Properties;
  const statements = (role: string): Statement[] =>
    (
      template.Resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
  /** The topics a role may do `action` on, read back from the topic ARNs' Fn::Sub. */
  const topicsFor = (role: string, action: string) =>
    statements(role)
      .filter((statement) => [statement.Action].flat().includes(action))
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => (resource as { 'Fn::Sub'?: [string, { Topic?: string }] })['Fn::Sub']?.[1].Topic)
      .filter((topic) => topic !== undefined)
      .sort();
  const names = stageNames(STAGE);
  const topic = Object.fromEntries(topicSet(names.topicPrefix).map(({ role, name }) => [role, name]));
  const commandFunctions = ['OpenAccount', 'Deposit', 'Withdraw', 'Transfer'];
  const allFunctions = [
    ...commandFunctions,
    'GetAccount',
    'ListTransactions',
    'GetTransaction',
    'ProjectEvents',
  ];

  it('reads each stage parameter from SSM under /banku/<stage>/ and puts it where it belongs', () => {
    expect([...ssm.asked].sort()).toEqual(
      [...Object.values(STAGE_PARAMETERS), ...Object.values(OPTIONAL_STAGE_PARAMETERS)]
        .map((parameter) => ssmParameterPath(STAGE, parameter.ssmName))
        .sort(),
    );
    for (const name of [...commandFunctions, 'ProjectEvents']) {
      expect(lambda(name).VpcConfig).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: SECURITY_GROUPS });
      expect(
        (lambda(name).Environment as { Variables: Record<string, string> }).Variables.MSK_CLUSTER_ARN,
      ).toBe(CLUSTER_ARN);
    }
    expect(one('AWS::Lambda::EventSourceMapping').EventSourceArn).toBe(CLUSTER_ARN);
  });

  it('keeps the deployer’s shell out: no local-stack value, API key value or Upstash token', () => {
    const text = JSON.stringify(template);
    for (const [name, value] of Object.entries(LOCAL_SHELL)) {
      expect(text, `${name}=${value} leaked into the template`).not.toContain(value);
    }
    const [[, apiKey] = []] = ofType('AWS::ApiGateway::ApiKey');
    expect(apiKey?.Properties.Value).toBeUndefined();
    for (const name of allFunctions) {
      const variables = (lambda(name).Environment as { Variables: Record<string, string> }).Variables;
      expect(variables.UPSTASH_REDIS_REST_TOKEN).toBeUndefined();
      expect(variables.UPSTASH_REDIS_REST_URL).toBe(UPSTASH_URL);
      expect(variables.UPSTASH_REDIS_REST_TOKEN_PARAMETER).toBe(`/banku/${STAGE}/upstash-redis-rest-token`);
      expect(variables.KAFKA_BROKERS ?? '').toBe('');
    }
  });

  it('outputs the API key’s id, never its value', () => {
    const [[apiKeyId] = []] = ofType('AWS::ApiGateway::ApiKey');
    expect(template.Outputs.ApiKeyId?.Value).toEqual({ Ref: apiKeyId });
  });

  it('names topics, the consumer group, the Redis prefix and the metrics namespace after the stage', () => {
    expect(names).toEqual({
      topicPrefix: `banku-${STAGE}`,
      projectorGroupId: `banku-${STAGE}-projector`,
      redisKeyPrefix: `banku-${STAGE}`,
      metricsNamespace: `Banku/${STAGE}`,
    });
    for (const name of allFunctions) {
      expect((lambda(name).Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
        KAFKA_TOPIC_PREFIX: names.topicPrefix,
        REDIS_KEY_PREFIX: names.redisKeyPrefix,
        POWERTOOLS_METRICS_NAMESPACE: names.metricsNamespace,
      });
      expect(lambda(name).FunctionName).toBe(`banku-${STAGE}-${name[0]!.toLowerCase()}${name.slice(1)}`);
    }
  });

  it('runs every function on arm64 nodejs24.x, each from its own zip', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id.replace('LambdaFunction', '')).sort()).toEqual(
      [...allFunctions, 'Authorizer'].sort(),
    );
    for (const [, resource] of functions) {
      expect(resource.Properties).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs24.x' });
    }
    const zips = new Set(functions.map(([, resource]) => JSON.stringify(resource.Properties.Code)));
    expect(zips.size).toBe(allFunctions.length + 1);
  });

  it('guards every route with the bearer-token authorizer of the stage’s issuer, besides the API key', () => {
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
    expect(
      (lambda('Authorizer').Environment as { Variables: Record<string, string> }).Variables,
    ).toMatchObject({
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: CLIENT_ID,
      AUTH_JWKS_URL: '',
      AUTH_OPERATOR_CLAIM: 'cognito:groups',
      AUTH_OPERATOR_VALUE: 'banku-operators',
    });
    expect(lambda('Authorizer').VpcConfig).toBeUndefined();
    expect(template.Resources.AuthorizerRole?.Properties.Policies).toBeUndefined();
    const refusals = Object.fromEntries(
      ofType('AWS::ApiGateway::GatewayResponse').map(([, resource]) => [
        resource.Properties.ResponseType,
        resource.Properties.StatusCode,
      ]),
    );
    expect(refusals).toEqual({
      UNAUTHORIZED: '401',
      INVALID_API_KEY: '403',
      AUTHORIZER_FAILURE: '503',
      AUTHORIZER_CONFIGURATION_ERROR: '503',
    });
  });

  it('routes every path behind the API key and a usage plan', () => {
    const methods = ofType('AWS::ApiGateway::Method').map(([, resource]) => resource.Properties);
    expect(methods).toHaveLength(7);
    for (const method of methods) expect(method.ApiKeyRequired).toBe(true);
    expect(methods.filter((method) => method.HttpMethod === 'POST')).toHaveLength(4);
    one('AWS::ApiGateway::UsagePlan');
    one('AWS::ApiGateway::UsagePlanKey');
  });

  it('lets commands write the commands topic only, and the projector read commands and write commands, facts and dead letters', () => {
    expect(topicsFor('CommandRole', 'kafka-cluster:WriteData')).toEqual([topic.commands]);
    expect(topicsFor('CommandRole', 'kafka-cluster:ReadData')).toEqual([]);
    expect(topicsFor('ProjectorRole', 'kafka-cluster:ReadData')).toEqual([topic.commands]);
    expect(topicsFor('ProjectorRole', 'kafka-cluster:WriteData')).toEqual(
      [topic.commands, topic.facts, topic.deadLetters].sort(),
    );
    const group = statements('ProjectorRole').find((statement) =>
      [statement.Action].flat().includes('kafka-cluster:AlterGroup'),
    );
    expect(JSON.stringify(group?.Resource)).toContain(`"Group":"${names.projectorGroupId}"`);
    expect(statements('QueryRole').flatMap((statement) => [statement.Action].flat())).toEqual([
      'ssm:GetParameter',
    ]);
    for (const role of ['CommandRole', 'ProjectorRole', 'QueryRole']) {
      for (const statement of statements(role)) {
        if (String(statement.Action).startsWith('kafka-cluster')) expect(statement.Resource).not.toBe('*');
      }
    }
  });

  it('maps the commands topic to the projector: stage group, batch size, retried forever, with metrics', () => {
    const mapping = one('AWS::Lambda::EventSourceMapping');
    expect(mapping).toMatchObject({
      Topics: [topic.commands],
      BatchSize: 100,
      StartingPosition: 'TRIM_HORIZON',
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: names.projectorGroupId },
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
      // AWS's defaults: a 500 ms batching window, on-demand pollers.
      MaximumBatchingWindowInSeconds: { Ref: 'AWS::NoValue' },
      ProvisionedPollerConfig: { Ref: 'AWS::NoValue' },
    });
    for (const skipsBatches of ['MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'DestinationConfig'])
      expect(mapping[skipsBatches]).toBeUndefined();
    expect(mapping.BisectBatchOnFunctionError).not.toBe(true);
  });

  it('caps each command function’s concurrency, and no other', () => {
    for (const name of commandFunctions) expect(lambda(name).ReservedConcurrentExecutions).toBe(20);
    for (const name of ['GetAccount', 'ListTransactions', 'GetTransaction', 'ProjectEvents'])
      expect(lambda(name).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('logs every API request as JSON with the request id, the Lambda request id and the trace id', () => {
    const deployment = one('AWS::ApiGateway::Deployment') as {
      StageDescription: {
        TracingEnabled: boolean;
        AccessLogSetting: { DestinationArn: unknown; Format: string };
      };
    };
    expect(deployment.StageDescription.TracingEnabled).toBe(true);
    const { DestinationArn, Format } = deployment.StageDescription.AccessLogSetting;
    expect(DestinationArn).toEqual({ 'Fn::GetAtt': ['ApiAccessLogGroup', 'Arn'] });
    expect(template.Resources.ApiAccessLogGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(JSON.parse(Format)).toMatchObject({
      requestId: '$context.requestId',
      lambdaRequestId: '$context.integration.requestId',
      xrayTraceId: '$context.xrayTraceId',
      status: '$context.status',
    });
  });

  describe('alarms, each notifying the stage’s SNS topic', () => {
    const alarms = () =>
      Object.fromEntries(
        ofType('AWS::CloudWatch::Alarm').map(([, resource]) => [
          String(resource.Properties.AlarmName).replace(`banku-${STAGE}-`, ''),
          resource.Properties,
        ]),
      );
    const functionOf = (alarm: Record<string, unknown>) =>
      (alarm.Dimensions as { Value: unknown }[] | undefined)?.[0]?.Value;
    const mathMetrics = (alarm: Record<string, unknown>) =>
      (
        alarm.Metrics as {
          MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } };
        }[]
      )
        .filter((metric) => metric.MetricStat)
        .map((metric) => ({
          name: metric.MetricStat!.Metric.MetricName,
          function: metric.MetricStat!.Metric.Dimensions[0]!.Value.Ref.replace('LambdaFunction', ''),
        }));

    it('are the six kinds, on the stage’s topic', () => {
      expect(Object.keys(alarms()).sort()).toEqual(
        [
          'api-5xx-rate',
          'api-duration-near-timeout',
          'dead-letters',
          'projector-duration-near-timeout',
          'projector-errors',
          'projector-offset-lag',
          'throttles',
        ].sort(),
      );
      for (const alarm of Object.values(alarms())) {
        expect(alarm.AlarmActions).toEqual([ALARM_TOPIC]);
        expect(alarm.OKActions).toEqual([ALARM_TOPIC]);
      }
    });

    it('raise on projector errors for 5 minutes and on an offset lag above the parameter', () => {
      const errors = alarms()['projector-errors']!;
      expect(errors).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 0 });
      expect(functionOf(errors)).toEqual({ Ref: 'ProjectEventsLambdaFunction' });
      expect(Number(errors.Period) * Number(errors.DatapointsToAlarm)).toBe(300);
      const lag = alarms()['projector-offset-lag']!;
      expect(lag).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'OffsetLag', Threshold: 10000 });
      expect(functionOf(lag)).toEqual({ Ref: 'ProjectEventsLambdaFunction' });
    });

    it('raise on any dead letter, reading the metric the projector emits, in the namespace it emits to', () => {
      const written: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        recordBatchMetrics(
          { records: 1, applied: 0, rejected: 0, duplicates: 0, deadLettered: 1 },
          undefined,
        );
        projectorMetrics.publishStoredMetrics();
      } finally {
        vi.restoreAllMocks();
      }
      const emf = JSON.parse(
        written
          .join('')
          .split('\n')
          .find((line) => line.includes('_aws')) ?? '{}',
      );
      const emitted = emf._aws.CloudWatchMetrics[0];
      const deadLetters = alarms()['dead-letters']!;
      const deadLetterMetric = String(deadLetters.MetricName);
      expect(emitted.Metrics.map((metric: { Name: string }) => metric.Name)).toContain(deadLetterMetric);
      expect(emf[deadLetterMetric]).toBe(1);
      expect(deadLetters).toMatchObject({
        Namespace: names.metricsNamespace,
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      const service = (lambda('ProjectEvents').Environment as { Variables: Record<string, string> }).Variables
        .POWERTOOLS_SERVICE_NAME;
      expect(emitted.Dimensions).toEqual([['service']]);
      expect(deadLetters.Dimensions).toEqual([{ Name: 'service', Value: service }]);
    });

    it('raise on the API’s 5XX rate, on throttles of any function, and on runs near the timeout', () => {
      expect(alarms()['api-5xx-rate']).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Statistic: 'Average',
        Threshold: 0.01,
        Dimensions: [
          { Name: 'ApiName', Value: `banku-${STAGE}` },
          { Name: 'Stage', Value: STAGE },
        ],
      });
      const restApi = one('AWS::ApiGateway::RestApi');
      expect(restApi.Name).toBe(`banku-${STAGE}`);
      const throttles = mathMetrics(alarms().throttles!);
      expect(throttles.map((metric) => metric.function).sort()).toEqual(
        [...allFunctions, 'Authorizer'].sort(),
      );
      expect(new Set(throttles.map((metric) => metric.name))).toEqual(new Set(['Throttles']));
      const apiDuration = alarms()['api-duration-near-timeout']!;
      expect(
        mathMetrics(apiDuration)
          .map((metric) => metric.function)
          .sort(),
      ).toEqual(allFunctions.filter((name) => name !== 'ProjectEvents').sort());
      // Duration is in ms: the expression turns it into a percentage of the functions' own timeout.
      const expression = (apiDuration.Metrics as { Expression?: string }[]).find(
        (metric) => metric.Expression,
      );
      expect(expression?.Expression).toMatch(new RegExp(`/ \\(10 \\* ${lambda('Deposit').Timeout}\\)$`));
      expect(apiDuration.Threshold).toBe(80);
      const projectorDuration = alarms()['projector-duration-near-timeout']!;
      expect(mathMetrics(projectorDuration)).toEqual([{ name: 'Duration', function: 'ProjectEvents' }]);
      expect(JSON.stringify(projectorDuration.Metrics)).toContain(
        `(10 * ${lambda('ProjectEvents').Timeout})`,
      );
    });
  });

  it('has a dashboard with the command rate, projector events/s, lag, dead letters and p99s', () => {
    const dashboard = one('AWS::CloudWatch::Dashboard') as {
      DashboardName: string;
      DashboardBody: { 'Fn::Sub': [string, Record<string, string>] };
    };
    expect(dashboard.DashboardName).toBe(`banku-${STAGE}`);
    const [body, variables] = dashboard.DashboardBody['Fn::Sub'];
    const rendered = body.replace(
      /\$\{([^}]+)\}/g,
      (_, name: string) => variables[name] ?? `resolved:${name}`,
    );
    const widgets = (
      JSON.parse(rendered) as { widgets: { properties: { title: string; metrics: unknown[][] } }[] }
    ).widgets;
    const byTitle = Object.fromEntries(widgets.map((widget) => [widget.properties.title, widget.properties]));
    expect(Object.keys(byTitle)).toEqual([
      'Commands per second',
      'Projector events per second',
      'Projector lag',
      'Dead letters, errors and throttles',
      'p99 (ms)',
    ]);
    const metricNames = (title: string) => byTitle[title]!.metrics.map((line) => line[1]);
    expect(metricNames('Projector lag')).toEqual(['OffsetLag', 'lag']);
    expect(metricNames('Dead letters, errors and throttles')).toContain(deadLetterMetricOf(template));
    expect(byTitle['p99 (ms)']).toMatchObject({ stat: 'p99' });
    expect(rendered).toContain(`"${names.metricsNamespace}", "records"`);
    for (const name of commandFunctions) expect(rendered).toContain(`resolved:${name}LambdaFunction`);
  });

  describe('cfn-lint (errors and warnings)', () => {
    /** Findings the team accepts, by rule id, each with its reason. None so far. */
    const ACCEPTED: Readonly<Record<string, string>> = {};
    const unaccepted = (findings: LintFinding[]) => findings.filter((finding) => !(finding.rule in ACCEPTED));

    it('finds nothing in the template as packaged', async () => {
      expect(unaccepted(await cfnLint(packaged.templatePath))).toEqual([]);
    }, 180_000);

    it('finds nothing with the mapping in provisioned mode and a batching window set', async () => {
      // What `params.<stage>.projectorProvisionedPollers` and `projectorBatchingWindowSeconds` give.
      const variant = structuredClone(template);
      const [mapping] = Object.values(variant.Resources).filter(
        (resource) => resource.Type === 'AWS::Lambda::EventSourceMapping',
      );
      Object.assign(mapping!.Properties, {
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 10 },
        MaximumBatchingWindowInSeconds: 1,
      });
      const path = join(packaged.directory, 'provisioned-mode.json');
      writeFileSync(path, JSON.stringify(variant));
      expect(unaccepted(await cfnLint(path))).toEqual([]);
    }, 180_000);
  });
});

function deadLetterMetricOf(template: Template): string {
  const alarm = Object.values(template.Resources).find(
    (resource) =>
      resource.Type === 'AWS::CloudWatch::Alarm' &&
      String(resource.Properties.AlarmName).endsWith('dead-letters'),
  );
  return String(alarm?.Properties.MetricName);
}
