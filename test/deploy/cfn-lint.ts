import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** One cfn-lint finding. */
export interface LintFinding {
  readonly rule: string;
  readonly level: string;
  readonly path: string;
  readonly message: string;
}

/**
 * Runs cfn-lint (the AWS CloudFormation linter, on PATH) on a template with its default rules (errors
 * and warnings) and returns what it found.
 *
 * @example
 * ```ts
 * const findings = await cfnLint('/tmp/package/cloudformation-template-update-stack.json');
 * ```
 */
export async function cfnLint(templatePath: string, region = 'us-east-1'): Promise<LintFinding[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      'cfn-lint',
      ['--format', 'json', '--regions', region, '--', templatePath],
      { timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
    ));
  } catch (error) {
    // cfn-lint exits non-zero when it finds anything; its findings are still on stdout.
    const failed = error as { stdout?: string; code?: unknown };
    if (typeof failed.stdout !== 'string' || failed.stdout === '') throw error;
    stdout = failed.stdout;
  }
  const matches = JSON.parse(stdout) as {
    Rule: { Id: string };
    Level: string;
    Message: string;
    Location: { Path: (string | number)[] };
  }[];
  return matches.map((match) => ({
    rule: match.Rule.Id,
    level: match.Level,
    path: match.Location.Path.join('/'),
    message: match.Message,
  }));
}
