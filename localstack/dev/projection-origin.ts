import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Redis } from '@upstash/redis';
import type { Kafka } from 'kafkajs';
import { topicSet } from '../../lib/config/topics.js';
import { forEachLine } from '../support/output-lines.js';
import { wipePrefix } from './wipe-prefix.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What `npm run dev` did to make the projection match the log:
 * - `kept`: it was built from this very log (same cluster), as after a restart on a persistent broker;
 * - `emptied`: the log is new (the mock, a freshly formatted Apache Kafka), so the projection was too;
 * - `rebuilt`: the log has history the projection does not come from (Redis was emptied, or it was
 *   built from another broker), so it was emptied and rebuilt from the log with `npm run rebuild`.
 */
export type ProjectionOrigin = 'kept' | 'emptied' | 'rebuilt';

/**
 * Makes a developer's projection belong to the log the service now runs on. A projection ahead of
 * its log would show accounts whose events do not exist; one behind it would miss accounts whose
 * events the projector has already committed past. Which log a projection comes from is recorded as
 * the cluster id under `<prefix>:dev:log-cluster`: every new log has a new cluster id (the mock picks
 * one per start, Apache Kafka when its storage is formatted), and a kept log keeps it.
 *
 * @example
 * ```ts
 * const origin = await alignProjectionWithLog({ kafka, redis, keyPrefix: 'banku', topicPrefix: 'banku', env });
 * ```
 */
export async function alignProjectionWithLog(options: {
  kafka: Kafka;
  redis: Redis;
  keyPrefix: string;
  topicPrefix: string;
  /** The service's environment, for `npm run rebuild`. */
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}): Promise<ProjectionOrigin> {
  const { redis, keyPrefix, log } = options;
  const marker = `${keyPrefix}:dev:log-cluster`;
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const { clusterId } = await admin.describeCluster();
    if ((await redis.get<string>(marker)) === clusterId) return 'kept';
    let records = 0;
    for (const { name } of topicSet(options.topicPrefix))
      for (const partition of await admin.fetchTopicOffsets(name)) records += Number(partition.high);
    const deleted = await wipePrefix(redis, keyPrefix);
    if (records === 0) {
      if (deleted > 0) log(`the log is new: removed ${deleted} projection keys`);
      await redis.set(marker, clusterId);
      return 'emptied';
    }
    log(`the projection does not come from this log (${records} records): rebuilding it from the log`);
    await runRebuild(options.env, log);
    await redis.set(marker, clusterId);
    return 'rebuilt';
  } finally {
    await admin.disconnect();
  }
}

async function runRebuild(env: NodeJS.ProcessEnv, log: (message: string) => void): Promise<void> {
  // Through npm, as a developer would run it: the script carries the loaders the rebuild needs.
  const child = spawn('npm', ['run', '--silent', 'rebuild'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  forEachLine(child, (line) => log(`rebuild: ${line}`));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`npm run rebuild exited with ${code}; see its output above`);
}
