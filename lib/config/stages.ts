/**
 * Stages: where a deployment's settings come from, and the names that keep stages apart.
 *
 * - The `local` stage is the service on a developer's machine (serverless-offline and the local stack).
 *   It alone reads the shell's environment, and placeholders stand in for the AWS resources.
 * - Every other stage is deployable. Its settings come from `--param="<name>=<value>"`, else from SSM
 *   under `/banku/<stage>/`; a missing one fails `serverless package` naming the parameter. Its topic
 *   prefix, consumer group and Redis key prefix carry the stage, so two stages can share a cluster or
 *   a Redis without meeting.
 *
 * `serverless.yml` reads {@link stageSettings} through `stage-settings.cjs`; `npm run topics` and
 * `npm run deploy` use it directly. Nothing else spells a stage's names.
 */
import { parseClusterArn } from '../kafka/bootstrap-brokers.js';
import { DEFAULT_KEY_PREFIX } from './defaults.js';
import { keyPrefix } from './env.js';
import { DEFAULT_OPERATOR_CLAIM, DEFAULT_OPERATOR_VALUE } from '../auth/config.js';
import { ConfigurationError } from './errors.js';
import { TOPIC_ROLES, type TopicRole, topicName, topicPrefix } from './topics.js';

/** The stage that runs on a developer's machine. */
export const LOCAL_STAGE = 'local';

/** The CloudWatch namespace of the local stage's metrics; a deployable stage's is `Banku/<stage>`. */
export const METRICS_NAMESPACE = 'Banku';

/** The consumer group of the local stage's projector unless `PROJECTOR_GROUP_ID` says otherwise. */
export const DEFAULT_PROJECTOR_GROUP_ID = 'banku-projector';

/** One setting a deployable stage reads from SSM (`/banku/<stage>/<ssmName>`) or `--param`. */
export interface StageParameter {
  /** Last part of the SSM parameter name. */
  readonly ssmName: string;
  /** A `StringList` in SSM, a comma-separated list in `--param`. */
  readonly list: boolean;
  /** What the value is, for the error that reports it missing and for the deploy guide. */
  readonly holds: string;
  /** The local stage's stand-in: no AWS resource is ever created from it. */
  readonly placeholder: string | readonly string[];
}

/** The settings every deployable stage must be given, by their `--param` name. */
export const STAGE_PARAMETERS = {
  mskClusterArn: {
    ssmName: 'msk-cluster-arn',
    list: false,
    holds: 'the ARN of the MSK cluster, with IAM client authentication enabled',
    placeholder:
      'arn:aws:kafka:us-east-1:000000000000:cluster/banku-local/00000000-0000-0000-0000-000000000000-1',
  },
  subnetIds: {
    ssmName: 'subnet-ids',
    list: true,
    holds: 'the private subnets (with a NAT route) of the functions that talk to MSK',
    placeholder: ['subnet-00000000000000001', 'subnet-00000000000000002'],
  },
  securityGroupIds: {
    ssmName: 'security-group-ids',
    list: true,
    holds: 'the security groups of those functions (outbound 443 and 9098)',
    placeholder: ['sg-00000000000000001'],
  },
  upstashRestUrl: {
    ssmName: 'upstash-redis-rest-url',
    list: false,
    holds: 'the Upstash REST URL of the projection (https://….upstash.io)',
    placeholder: 'https://placeholder.upstash.io',
  },
  alarmTopicArn: {
    ssmName: 'alarm-topic-arn',
    list: false,
    holds: 'the ARN of the SNS topic the alarms notify',
    placeholder: 'arn:aws:sns:us-east-1:000000000000:banku-local-alarms',
  },
  authIssuer: {
    ssmName: 'auth-issuer',
    list: false,
    holds:
      'the issuer of the bearer tokens, an https URL (a Cognito user pool: https://cognito-idp.<region>.amazonaws.com/<poolId>)',
    placeholder: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_placeholder',
  },
  authAudience: {
    ssmName: 'auth-audience',
    list: false,
    holds: 'the audience the bearer tokens must name (a Cognito app client id)',
    placeholder: 'banku-local',
  },
} as const satisfies Record<string, StageParameter>;

/**
 * Settings a stage may give (with `--param` or in SSM like the others) and otherwise takes as they are
 * here: an empty JWKS URL means `<issuer>/.well-known/jwks.json` (Cognito, Auth0); the operator claim
 * and value name who is an operator (a Cognito group by default).
 */
export const OPTIONAL_STAGE_PARAMETERS = {
  authJwksUrl: { ssmName: 'auth-jwks-url', default: '' },
  authOperatorClaim: { ssmName: 'auth-operator-claim', default: DEFAULT_OPERATOR_CLAIM },
  authOperatorValue: { ssmName: 'auth-operator-value', default: DEFAULT_OPERATOR_VALUE },
} as const;

/** A `--param` name of {@link STAGE_PARAMETERS}. */
export type StageParameterName = keyof typeof STAGE_PARAMETERS;

/**
 * The shell variables the local stage reads. A deployable stage ignores them, and `npm run deploy`
 * refuses to run while any is set, so a shell set up for the local stack cannot reach AWS.
 */
export const LOCAL_STAGE_VARIABLES = [
  'KAFKA_BROKERS',
  'KAFKA_TOPIC_PREFIX',
  'PROJECTOR_GROUP_ID',
  'REDIS_KEY_PREFIX',
  'UPSTASH_REDIS_REST_URL',
  'BANKU_API_KEY',
  'BANKU_BUILD_ID',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
  'AUTH_OPERATOR_CLAIM',
  'AUTH_OPERATOR_VALUE',
] as const;

/** The names that keep one stage's data and metrics apart from every other stage's. */
export interface StageNames {
  readonly topicPrefix: string;
  /** The projector mapping's Kafka consumer group. */
  readonly projectorGroupId: string;
  readonly redisKeyPrefix: string;
  /** The CloudWatch namespace of the EMF metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricsNamespace: string;
}

/** Everything `serverless.yml` needs to know about one stage. */
export interface StageSettings extends StageNames {
  readonly stage: string;
  readonly deployable: boolean;
  /** Full topic names, by role (see `lib/config/topics.ts`). */
  readonly topics: Readonly<Record<TopicRole, string>>;
  /** Local only; on AWS the functions resolve the brokers from the cluster ARN. */
  readonly kafkaBrokers: string;
  readonly mskClusterArn: string;
  /** `<cluster name>/<cluster uuid>`: how MSK IAM names the cluster in topic and group ARNs. */
  readonly mskClusterPath: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly upstashRestUrl: string;
  readonly alarmTopicArn: string;
  /** The SSM SecureString the functions read the Upstash token from at cold start. */
  readonly upstashTokenParameter: string;
  /** The API key's value: set locally so `npm run dev` can print it; on AWS, API Gateway generates it. */
  readonly apiKeyValue: string | null;
  /** serverless-esbuild's work folder, one per stage (and per local build id) so builds can run side by side. */
  readonly esbuildWorkFolder: string;
  /** What the authorizer checks bearer tokens against (its `AUTH_*` variables, see `lib/auth/config.ts`). */
  readonly auth: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string;
    readonly operatorClaim: string;
    readonly operatorValue: string;
  };
}

/** Where a deployable stage's parameters come from. */
export interface StageParameterSources {
  /** A `--param` value, if one was given. */
  param(name: string): string | undefined;
  /** An SSM parameter's value (a list for a StringList), or null when there is none. */
  ssm(path: string): Promise<string | readonly string[] | null>;
  /** The region the stage deploys to: the cluster must be in it. */
  readonly region?: string;
}

/**
 * Stage parameters are missing: none given with `--param`, none in SSM. Says, for each, where to put it.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof MissingStageParametersError) console.error(e.message); }
 * ```
 */
export class MissingStageParametersError extends ConfigurationError {
  constructor(
    readonly stage: string,
    readonly missing: readonly StageParameterName[],
  ) {
    const lines = missing.map((name) => {
      const parameter = STAGE_PARAMETERS[name];
      const type = parameter.list ? 'StringList' : 'String';
      return `  - ${ssmParameterPath(stage, parameter.ssmName)} (${type}): ${parameter.holds}; or --param="${name}=…"`;
    });
    super(
      `stage ${stage}`,
      `is missing ${missing.length === 1 ? 'a parameter' : `${missing.length} parameters`}; create in SSM (same account and region):\n${lines.join('\n')}`,
    );
    this.name = 'MissingStageParametersError';
  }
}

const DEPLOYABLE_STAGE = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * The SSM parameter name of one of a stage's settings.
 *
 * @example
 * ```ts
 * ssmParameterPath('prod', 'msk-cluster-arn'); // '/banku/prod/msk-cluster-arn'
 * ```
 */
export function ssmParameterPath(stage: string, ssmName: string): string {
  return `/banku/${stage}/${ssmName}`;
}

/**
 * The names that keep a deployable stage apart from every other on a shared cluster or Redis.
 *
 * @throws {ConfigurationError} the stage name is not 1–20 of `[a-z0-9-]`, starting with a letter.
 * @example
 * ```ts
 * stageNames('prod').projectorGroupId; // 'banku-prod-projector'
 * ```
 */
export function stageNames(stage: string): StageNames {
  if (stage === LOCAL_STAGE || !DEPLOYABLE_STAGE.test(stage)) {
    throw new ConfigurationError(
      '--stage',
      `"${stage}" is not a deployable stage: use 1–20 of [a-z0-9-], starting with a letter, other than "${LOCAL_STAGE}"`,
    );
  }
  const prefix = `${DEFAULT_KEY_PREFIX}-${stage}`;
  return {
    topicPrefix: prefix,
    projectorGroupId: `${prefix}-projector`,
    redisKeyPrefix: prefix,
    metricsNamespace: `${METRICS_NAMESPACE}/${stage}`,
  };
}

/**
 * The settings of one stage: the local stage's from the environment (with placeholders for AWS), a
 * deployable stage's from `--param` or SSM.
 *
 * @throws {MissingStageParametersError} a deployable stage lacks parameters (all of them are listed).
 * @throws {ConfigurationError} the stage name or a local variable cannot be used.
 * @example
 * ```ts
 * const settings = await stageSettings('prod', { param: () => undefined, ssm: readFromSsm });
 * settings.topics.facts; // 'banku-prod.account-events'
 * ```
 */
export async function stageSettings(
  stage: string,
  sources: StageParameterSources,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StageSettings> {
  if (stage === LOCAL_STAGE) return localSettings(env);
  const names = stageNames(stage);
  const values = {} as Record<StageParameterName, string | readonly string[]>;
  const missing: StageParameterName[] = [];
  for (const [name, parameter] of Object.entries(STAGE_PARAMETERS) as [
    StageParameterName,
    StageParameter,
  ][]) {
    const given = sources.param(name);
    const value = given ?? (await sources.ssm(ssmParameterPath(stage, parameter.ssmName)));
    if (value === null || value.length === 0) missing.push(name);
    else values[name] = parameter.list && typeof value === 'string' ? splitList(value) : value;
  }
  if (missing.length > 0) throw new MissingStageParametersError(stage, missing);
  const clusterArn = String(values.mskClusterArn);
  const cluster = parseClusterArn(
    clusterArn,
    `mskClusterArn (${ssmParameterPath(stage, 'msk-cluster-arn')})`,
  );
  if (sources.region !== undefined && cluster.region !== sources.region) {
    throw new ConfigurationError(
      `mskClusterArn (${ssmParameterPath(stage, 'msk-cluster-arn')})`,
      `names a cluster in ${cluster.region}, but stage ${stage} deploys to ${sources.region}: an MSK event source mapping needs both in one region`,
    );
  }
  return {
    stage,
    deployable: true,
    ...names,
    topics: topicsOf(names.topicPrefix),
    kafkaBrokers: '',
    mskClusterArn: clusterArn,
    mskClusterPath: `${cluster.clusterName}/${cluster.clusterUuid}`,
    subnetIds: [values.subnetIds].flat(),
    securityGroupIds: [values.securityGroupIds].flat(),
    upstashRestUrl: String(values.upstashRestUrl),
    alarmTopicArn: String(values.alarmTopicArn),
    upstashTokenParameter: ssmParameterPath(stage, 'upstash-redis-rest-token'),
    apiKeyValue: null,
    esbuildWorkFolder: `.esbuild/stage-${stage}`,
    auth: await deployableAuth(stage, values, sources),
  };
}

// The local issuer (npm run dev's) exists only on a developer's machine: a deployable stage names a
// real one, reachable over https, or packaging stops here.
const THIS_MACHINE = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])$/i;

async function deployableAuth(
  stage: string,
  values: Record<StageParameterName, string | readonly string[]>,
  sources: StageParameterSources,
): Promise<StageSettings['auth']> {
  const optional = {} as Record<keyof typeof OPTIONAL_STAGE_PARAMETERS, string>;
  for (const [name, parameter] of Object.entries(OPTIONAL_STAGE_PARAMETERS) as [
    keyof typeof OPTIONAL_STAGE_PARAMETERS,
    (typeof OPTIONAL_STAGE_PARAMETERS)[keyof typeof OPTIONAL_STAGE_PARAMETERS],
  ][]) {
    const value = sources.param(name) ?? (await sources.ssm(ssmParameterPath(stage, parameter.ssmName)));
    optional[name] = value === null || value.length === 0 ? parameter.default : String(value);
  }
  const issuer = String(values.authIssuer);
  requireRemoteHttps(`authIssuer (${ssmParameterPath(stage, 'auth-issuer')})`, issuer);
  if (optional.authJwksUrl)
    requireRemoteHttps(`authJwksUrl (${ssmParameterPath(stage, 'auth-jwks-url')})`, optional.authJwksUrl);
  return {
    issuer,
    audience: String(values.authAudience),
    jwksUrl: optional.authJwksUrl,
    operatorClaim: optional.authOperatorClaim,
    operatorValue: optional.authOperatorValue,
  };
}

function requireRemoteHttps(variable: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new ConfigurationError(variable, `must be an absolute https URL, got "${value}"`, { cause: error });
  }
  if (url.protocol !== 'https:' || THIS_MACHINE.test(url.hostname)) {
    throw new ConfigurationError(
      variable,
      `must be an https URL of a real token issuer, got "${value}": the local issuer is for the local stage only`,
    );
  }
}

function localSettings(env: NodeJS.ProcessEnv): StageSettings {
  const prefix = topicPrefix(env);
  const placeholder = (name: StageParameterName) => STAGE_PARAMETERS[name].placeholder;
  return {
    stage: LOCAL_STAGE,
    deployable: false,
    topicPrefix: prefix,
    topics: topicsOf(prefix),
    projectorGroupId: env.PROJECTOR_GROUP_ID?.trim() || DEFAULT_PROJECTOR_GROUP_ID,
    redisKeyPrefix: keyPrefix(env),
    metricsNamespace: METRICS_NAMESPACE,
    kafkaBrokers: env.KAFKA_BROKERS?.trim() ?? '',
    mskClusterArn: String(placeholder('mskClusterArn')),
    mskClusterPath: clusterPathOf(String(placeholder('mskClusterArn'))),
    subnetIds: [placeholder('subnetIds')].flat(),
    securityGroupIds: [placeholder('securityGroupIds')].flat(),
    upstashRestUrl: env.UPSTASH_REDIS_REST_URL?.trim() || String(placeholder('upstashRestUrl')),
    alarmTopicArn: String(placeholder('alarmTopicArn')),
    upstashTokenParameter: ssmParameterPath(LOCAL_STAGE, 'upstash-redis-rest-token'),
    apiKeyValue: env.BANKU_API_KEY || null,
    esbuildWorkFolder: `.esbuild/${env.BANKU_BUILD_ID?.trim() || 'default'}`,
    // The local stack's issuer (localstack/issuer) when it runs; placeholders for a local package.
    auth: {
      issuer: env.AUTH_ISSUER?.trim() || String(placeholder('authIssuer')),
      audience: env.AUTH_AUDIENCE?.trim() || String(placeholder('authAudience')),
      jwksUrl: env.AUTH_JWKS_URL?.trim() ?? '',
      operatorClaim: env.AUTH_OPERATOR_CLAIM?.trim() || DEFAULT_OPERATOR_CLAIM,
      operatorValue: env.AUTH_OPERATOR_VALUE?.trim() || DEFAULT_OPERATOR_VALUE,
    },
  };
}

function clusterPathOf(clusterArn: string): string {
  const { clusterName, clusterUuid } = parseClusterArn(clusterArn);
  return `${clusterName}/${clusterUuid}`;
}

function topicsOf(prefix: string): Record<TopicRole, string> {
  return Object.fromEntries(TOPIC_ROLES.map((role) => [role, topicName(role, prefix)])) as Record<
    TopicRole,
    string
  >;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
