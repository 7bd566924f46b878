/**
 * `npm run dev [-- --broker mock|apache]`: the whole service on this machine. Starts the local stack
 * (broker, Redis, Upstash endpoint, token issuer — or uses the ones the environment names), makes the
 * projection match the log (emptied when the log is new, kept or rebuilt when it is not), runs the
 * functions with serverless-offline and the MSK event-source mapping, prints the stack's variables,
 * `API_URL=`, `API_KEY=` and an operator's `API_TOKEN=` and then `ready`, and stops everything on
 * SIGINT or SIGTERM (exit 0). If any process it started dies, it says which, stops the rest and exits
 * 1. `npm run token` finds the local issuer through the file this process advertises.
 */
import { parseArgs } from 'node:util';
import { keyPrefix } from '../../lib/config/env.js';
import { advertiseIssuer } from '../issuer/advertise.js';
import { localIssuerFromEnv, mintToken } from '../issuer/mint-client.js';
import { createKafka, kafkaClientOptionsFromEnv } from '../../lib/kafka/client.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { brokerKind } from '../kafka/local-broker.js';
import { type RunningOffline, startOffline } from '../offline/start-offline.js';
import { describeBroker } from '../stack/describe-broker.js';
import { STACK_ENV_NAMES } from '../stack/stack-env.js';
import { startStack } from '../stack/stack.js';
import { stopWhenOrphaned } from '../stack/stop-when-orphaned.js';
import { childProcesses, watchProcesses } from './child-processes.js';
import { alignProjectionWithLog } from './projection-origin.js';

const DEFAULT_API_KEY = 'banku-local-api-key';
const log = (message: string) => console.error(`[dev] ${message}`);

let stopping = false;
let offline: RunningOffline | undefined;
let withdrawIssuer: (() => Promise<void>) | undefined;
// Children from before the stack (tsx's esbuild service) are not the stack's.
const before = new Set(childProcesses().map(({ pid }) => pid));
const stack = await (async () => {
  const { values } = parseArgs({ options: { broker: { type: 'string' } }, strict: true });
  return startStack({ broker: brokerKind(process.env, values.broker) });
})().catch((error: unknown) => fail('the local stack did not start', error));
const stop = async (reason: string, exitCode: number) => {
  if (stopping) return;
  stopping = true;
  log(`${reason}: stopping`);
  await withdrawIssuer?.();
  await offline?.stop();
  await stack.stop();
  process.exit(exitCode);
};
process.on('SIGINT', () => void stop('SIGINT', 0));
process.on('SIGTERM', () => void stop('SIGTERM', 0));
stopWhenOrphaned(() => void stop('parent exited', 0));
// Whatever the stack started (broker, redis-server) is a child of this process until it dies.
watchProcesses(
  childProcesses().filter(({ pid }) => !before.has(pid)),
  (gone) => void stop(`the local stack's ${gone.name} (pid ${gone.pid}) exited unexpectedly`, 1),
);

try {
  const env = { ...process.env, ...stack.env };
  if (stack.kafka) log(describeBroker(stack.kafka));
  const origin = await alignProjectionWithLog({
    kafka: createKafka(await kafkaClientOptionsFromEnv(env)),
    redis: await createRedisClient(env),
    keyPrefix: keyPrefix(env),
    topicPrefix: stack.env.KAFKA_TOPIC_PREFIX,
    env,
    log,
  });
  log(`projection ${origin}`);
  offline = await startOffline({
    env,
    apiKey: process.env.BANKU_API_KEY || DEFAULT_API_KEY,
    httpPort: Number(process.env.BANKU_HTTP_PORT ?? 3000),
    lambdaPort: Number(process.env.BANKU_LAMBDA_PORT ?? 3002),
    readyWhen: [/offline-msk: .* joined/],
    onOutput: (line) => console.error(line),
    // It bundles every function first: seconds on a quiet machine, minutes on a crowded one.
    timeoutMs: 240_000,
  });
  const { pid, exited } = offline;
  void exited.then(({ code, signal }) =>
    stop(`serverless offline (pid ${pid}) exited unexpectedly (${signal ?? `code ${code}`})`, 1),
  );
  if (stopping) process.exit(0);
  // What `npm run rebuild`, the broker's fault control and other tools need, ready to paste into a shell.
  for (const name of STACK_ENV_NAMES) console.log(`${name}=${stack.env[name]}`);
  console.log(`REDIS_KEY_PREFIX=${keyPrefix(env)}`);
  const issuer = localIssuerFromEnv(stack.env);
  if (issuer) withdrawIssuer = await advertiseIssuer(issuer);
  console.log(`API_URL=${offline.url}`);
  console.log(`API_KEY=${offline.apiKey}`);
  // An operator reads every account; customers' tokens come from `npm run token -- --sub <name>`.
  if (issuer)
    console.log(
      `API_TOKEN=${await mintToken(issuer, { sub: 'dev-operator', operator: true, expiresInSeconds: 12 * 3600 })}`,
    );
  console.log('ready');
} catch (error) {
  stopping = true;
  await offline?.stop();
  await stack.stop();
  fail('serverless offline did not start', error);
}

function fail(what: string, error: unknown): never {
  console.error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
