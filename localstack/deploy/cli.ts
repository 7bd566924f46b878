/**
 * `npm run deploy -- --stage <stage> [serverless deploy options]`: `serverless deploy --conceal` for a
 * deployable stage, refused from a shell set up for the local stack (see `guard.ts`). The stage's
 * parameters come from SSM or `--param` (see the README's deploy guide).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deployRefusal, serverlessDeployArguments } from './guard.js';

const SERVERLESS = fileURLToPath(new URL('../../node_modules/osls/bin/serverless.js', import.meta.url));
const args = process.argv.slice(2);

const refusal = deployRefusal(args, process.env);
if (refusal) {
  console.error(refusal);
  process.exit(2);
}
const child = spawn(process.execPath, [SERVERLESS, ...serverlessDeployArguments(args)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
