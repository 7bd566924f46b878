import { LOCAL_STAGE, LOCAL_STAGE_VARIABLES, stageNames } from '../../lib/config/stages.js';
import { STACK_ENV_NAMES } from '../stack/stack-env.js';

/**
 * Variables that mean the shell is set up for the local stack (`npm run stack` prints them, the
 * local stage reads them). A deployable stage ignores them, but a deploy from such a shell is a
 * mistake waiting to happen, so `npm run deploy` refuses it.
 */
export const LOCAL_SHELL_VARIABLES: readonly string[] = [
  ...new Set([...STACK_ENV_NAMES, ...LOCAL_STAGE_VARIABLES]),
];

/**
 * Why `npm run deploy` with these arguments must not run in this environment, or undefined when it
 * may: a local-stack variable is set, or the stage is missing, `local` or not a valid stage name.
 *
 * @example
 * ```ts
 * const refusal = deployRefusal(process.argv.slice(2), process.env);
 * if (refusal) { console.error(refusal); process.exit(2); }
 * ```
 */
export function deployRefusal(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const set = LOCAL_SHELL_VARIABLES.filter((name) => (env[name] ?? '') !== '');
  if (set.length > 0) {
    return [
      `refusing to deploy: this shell is set up for the local stack (${set.join(', ')}).`,
      `Deploy from a clean shell, or run: unset ${set.join(' ')}`,
    ].join('\n');
  }
  const stage = stageOf(args);
  if (stage === undefined) return 'refusing to deploy: name the stage, e.g. npm run deploy -- --stage prod';
  if (stage === LOCAL_STAGE)
    return `refusing to deploy: "${LOCAL_STAGE}" is the stage that runs on this machine`;
  try {
    stageNames(stage);
  } catch (error) {
    return `refusing to deploy: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * The `serverless` arguments for a deploy: the caller's, and `--conceal`, which keeps the outputs'
 * and the API key's values out of the deploy's own output (a CI log is not a safe place for them).
 *
 * @example
 * ```ts
 * spawn(process.execPath, [SERVERLESS, ...serverlessDeployArguments(['--stage', 'prod'])]);
 * ```
 */
export function serverlessDeployArguments(args: readonly string[]): string[] {
  return ['deploy', ...args.filter((arg) => arg !== '--conceal'), '--conceal'];
}

function stageOf(args: readonly string[]): string | undefined {
  for (const [index, arg] of args.entries()) {
    if (arg === '--stage' || arg === '-s') return args[index + 1];
    if (arg.startsWith('--stage=')) return arg.slice('--stage='.length);
  }
  return undefined;
}
