/**
 * `npm run topics -- --stage <stage> [--check] [--partitions <n>]`: creates the stage's missing topics
 * (lib/config/topics.ts) and verifies the existing ones through the Kafka admin API. It reports drift
 * and never changes an existing topic. Exit status: 0 all in sync, 1 drift, missing topics (with
 * --check) or a cluster failure, 2 a usage error.
 *
 * - A deployable stage: topics `banku-<stage>.*`, replication factor 3 and `min.insync.replicas` 2,
 *   on the cluster named by `--cluster-arn` or SSM `/banku/<stage>/msk-cluster-arn`, over MSK IAM
 *   (TLS, port 9098) with the caller's AWS credentials; or on `--brokers` over plaintext.
 * - The local stage: `KAFKA_TOPIC_PREFIX` on `KAFKA_BROKERS`, replication factor 1.
 */
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../../lib/config/errors.js';
import { KafkaConfigError, TopicLayoutError } from '../../lib/kafka/errors.js';
import { DEFAULT_TOPIC_PARTITIONS, topicPrefix } from '../../lib/config/topics.js';
import { LOCAL_STAGE, STAGE_PARAMETERS, ssmParameterPath, stageNames } from '../../lib/config/stages.js';
import {
  parseBrokerList,
  parseClusterArn,
  resolveBootstrapBrokers,
} from '../../lib/kafka/bootstrap-brokers.js';
import { createKafka, type KafkaClientOptions } from '../../lib/kafka/client.js';
import { ensureTopics } from '../../lib/kafka/topic-admin.js';
import {
  desiredTopics,
  REPLICATED_LAYOUT,
  SINGLE_BROKER_LAYOUT,
  type TopicLayout,
} from '../../lib/kafka/topic-layout.js';
import { reportLines } from './report.js';

// An operator's machine may reach the cluster through a VPN or a bastion: more patience than a Lambda's.
const ADMIN_TIMEOUTS = {
  connectionTimeoutMs: 5_000,
  authenticationTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
};

const usage = (message: string): never => {
  console.error(
    `${message}\nusage: npm run topics -- --stage <stage> [--check] [--partitions <n>] [--replication-factor <n>] [--min-insync-replicas <n>] [--brokers <host:port,…> | --cluster-arn <arn>] [--region <region>]`,
  );
  process.exit(2);
};

const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    check: { type: 'boolean', default: false },
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    'min-insync-replicas': { type: 'string' },
    brokers: { type: 'string' },
    'cluster-arn': { type: 'string' },
    region: { type: 'string' },
  },
  strict: true,
});
const stage = values.stage ?? usage('--stage is required');
const local = stage === LOCAL_STAGE;

try {
  const prefix = local ? topicPrefix(process.env) : stageNames(stage).topicPrefix;
  const replicated: Omit<TopicLayout, 'partitions'> = local ? SINGLE_BROKER_LAYOUT : REPLICATED_LAYOUT;
  const layout: TopicLayout = {
    partitions: count(values.partitions, DEFAULT_TOPIC_PARTITIONS),
    replicationFactor: count(values['replication-factor'], replicated.replicationFactor),
    minInsyncReplicas: count(values['min-insync-replicas'], replicated.minInsyncReplicas),
  };
  const desired = desiredTopics(prefix, layout);
  const kafka = createKafka({ ...(await clientOptions()), timeouts: ADMIN_TIMEOUTS, logLevel: 'error' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const reports = await ensureTopics(admin, desired, { create: !values.check });
    for (const line of reportLines(desired, reports)) console.log(line);
    const unsettled = reports.filter((report) => report.state === 'drifted' || report.state === 'missing');
    if (unsettled.length > 0) {
      console.error(
        `${unsettled.length} of ${reports.length} topics are not as the catalogue says; nothing was changed`,
      );
      process.exitCode = 1;
    }
  } finally {
    await admin.disconnect();
  }
} catch (error) {
  console.error(`topics: ${error instanceof Error ? error.message : String(error)}`);
  const usageError =
    error instanceof ConfigurationError ||
    error instanceof TopicLayoutError ||
    error instanceof KafkaConfigError;
  process.exitCode = usageError ? 2 : 1;
}

function count(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

async function clientOptions(): Promise<KafkaClientOptions> {
  if (values.brokers)
    return { brokers: parseBrokerList(values.brokers, '--brokers'), auth: { mechanism: 'plaintext' } };
  if (local) {
    const brokers = process.env.KAFKA_BROKERS ?? usage('the local stage needs KAFKA_BROKERS (or --brokers)');
    return { brokers: parseBrokerList(brokers), auth: { mechanism: 'plaintext' } };
  }
  const clusterArn = values['cluster-arn'] ?? (await clusterArnFromSsm());
  const { region } = parseClusterArn(
    clusterArn,
    values['cluster-arn'] ? '--cluster-arn' : 'the SSM parameter',
  );
  const brokers = await resolveBootstrapBrokers({ clusterArn });
  return { brokers, auth: { mechanism: 'msk-iam', region } };
}

async function clusterArnFromSsm(): Promise<string> {
  const name = ssmParameterPath(stage, STAGE_PARAMETERS.mskClusterArn.ssmName);
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
  });
  try {
    const { Parameter } = await client.send(new GetParameterCommand({ Name: name }));
    return Parameter?.Value ?? usage(`SSM parameter ${name} is empty; pass --cluster-arn`);
  } catch (error) {
    throw new Error(
      `could not read SSM parameter ${name} (pass --cluster-arn instead): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
}
