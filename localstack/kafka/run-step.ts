import { spawn } from 'node:child_process';
import { appendFile, open, readFile } from 'node:fs/promises';
import { BuildStepError } from './errors.js';

/**
 * One build command: its output goes to `logPath`, and a failure becomes a `BuildStepError`
 * carrying the last lines of that log.
 *
 * @example
 * await runStep({ step: 'make', command: 'make', args: ['-C', 'src'], cwd, logPath });
 */
export interface StepSpec {
  /** Short name for error messages, e.g. "configure". */
  step: string;
  command: string;
  args: readonly string[];
  cwd: string;
  logPath: string;
  env?: NodeJS.ProcessEnv;
}

const TAIL_LINES = 40;

/**
 * Runs a build command to completion, logging its output to a file (not to memory: make is chatty).
 *
 * @example
 * await runStep({ step: 'configure', command: './configure', args: ['--disable-ssl'], cwd: dir, logPath: log });
 */
export async function runStep(spec: StepSpec): Promise<void> {
  await appendFile(spec.logPath, `\n$ ${spec.command} ${spec.args.join(' ')}  (in ${spec.cwd})\n`);
  const log = await open(spec.logPath, 'a');
  const started = Date.now();
  try {
    const outcome = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        stdio: ['ignore', log.fd, log.fd],
      });
      child.on('error', (error) => resolve({ code: null, error }));
      child.on('close', (code) => resolve({ code }));
    });
    await appendFile(spec.logPath, `(${spec.step}: exit ${outcome.code}, ${Date.now() - started} ms)\n`);
    if (outcome.code === 0) return;
    const reason = outcome.error ? `could not run ${spec.command}: ${outcome.error.message}` : '';
    throw new BuildStepError(spec.step, spec.logPath, reason || (await tail(spec.logPath)));
  } finally {
    await log.close();
  }
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}
