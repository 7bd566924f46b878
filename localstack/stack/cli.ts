/**
 * `npm run stack [-- --broker mock|apache]`: starts the local stack in the foreground, prints its
 * environment as `NAME=value` lines and then `ready`, and stops everything it started on SIGINT or
 * SIGTERM. The broker is the mock unless `--broker apache` or `BANKU_BROKER=apache` says otherwise.
 */
import { parseArgs } from 'node:util';
import { brokerKind } from '../kafka/local-broker.js';
import { describeBroker } from './describe-broker.js';
import { startStack } from './stack.js';
import { STACK_ENV_NAMES } from './stack-env.js';
import { stopWhenOrphaned } from './stop-when-orphaned.js';

const stack = await (async () => {
  const { values } = parseArgs({ options: { broker: { type: 'string' } }, strict: true });
  return startStack({ broker: brokerKind(process.env, values.broker) });
})().catch((error: unknown) => {
  console.error(`local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

if (stack.kafka) console.error(describeBroker(stack.kafka));
for (const name of STACK_ENV_NAMES) console.log(`${name}=${stack.env[name]}`);
console.log('ready');

let stopping = false;
const shutdown = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: stopping the local stack`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
stopWhenOrphaned(() => void shutdown('SIGHUP'));
