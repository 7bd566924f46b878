import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVERLESS = join(ROOT, 'node_modules/osls/bin/serverless.js');

/** A CloudFormation template, as far as the tests read it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
  Outputs: Record<string, { Value: unknown }>;
  Conditions?: Record<string, unknown>;
}

/** What `serverless package` left behind. */
export interface PackageResult {
  readonly exitCode: number | null;
  readonly output: string;
  /** Where the template and zips are; removed by `remove()`. */
  readonly directory: string;
  /** The packaged template, when packaging succeeded. */
  readonly template: Template | undefined;
  readonly templatePath: string;
  remove(): void;
}

/**
 * Runs `serverless package` for a stage as an operator would, with placeholder AWS credentials (it must
 * never reach AWS), the given environment on top of a bare one (PATH and HOME), and SSM answered by
 * `ssmUrl` when given.
 *
 * @example
 * ```ts
 * const packaged = await packageStage('prod', { ssmUrl: ssm.url });
 * packaged.template?.Resources.ProjectEventsLambdaFunction;
 * ```
 */
export async function packageStage(
  stage: string,
  options: { ssmUrl?: string; env?: Record<string, string>; params?: Record<string, string> } = {},
): Promise<PackageResult> {
  const directory = mkdtempSync(join(tmpdir(), `banku-package-${stage}-`));
  const params = Object.entries(options.params ?? {}).map(([name, value]) => `--param=${name}=${value}`);
  const child = spawn(
    process.execPath,
    [SERVERLESS, 'package', '--stage', stage, '--package', directory, ...params],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: 'placeholder',
        AWS_SECRET_ACCESS_KEY: 'placeholder',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        ...(options.ssmUrl ? { AWS_ENDPOINT_URL_SSM: options.ssmUrl } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const templatePath = join(directory, 'cloudformation-template-update-stack.json');
  const template = existsSync(templatePath)
    ? (JSON.parse(readFileSync(templatePath, 'utf8')) as Template)
    : undefined;
  return {
    exitCode,
    output,
    directory,
    template,
    templatePath,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
