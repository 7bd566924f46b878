import { spawn } from 'node:child_process';
import { ToolchainMissingError } from './errors.js';

/**
 * What a build stage needs: `library` (configure + make librdkafka) or `launcher` (compile and
 * link mock-broker.c against the cached librdkafka.a).
 *
 * @example
 * await assertToolchain('launcher');
 */
export type BuildStage = 'library' | 'launcher';

/**
 * The C compiler the build uses: `$CC` (which may carry flags, e.g. `gcc -m64`) or gcc, as
 * command and leading arguments.
 *
 * @example
 * cCompiler({ CC: 'clang -O1' }); // ['clang', '-O1']
 */
export function cCompiler(env: NodeJS.ProcessEnv = process.env): [string, ...string[]] {
  const [command, ...flags] = (env.CC ?? '').trim().split(/\s+/).filter(Boolean);
  return command ? [command, ...flags] : ['gcc'];
}

const ZLIB_PROBE = '#include <zlib.h>\nint main(void) { return zlibVersion()[0] == 0; }\n';

/**
 * Fails fast, naming every missing piece and the install command, before a long build starts.
 *
 * @example
 * await assertToolchain('library'); // throws ToolchainMissingError listing e.g. "make"
 */
export async function assertToolchain(
  stage: BuildStage,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const [cc, ...ccFlags] = cCompiler(env);
  const missing: string[] = [];
  const hasCc = await succeeds(cc, [...ccFlags, '--version'], env);
  if (!hasCc) missing.push(`C compiler (${cc})`);
  if (stage === 'library') {
    if (!(await succeeds('make', ['--version'], env))) missing.push('make');
    if (!(await succeeds('tar', ['--version'], env))) missing.push('tar');
  }
  // Linking the probe checks both the header and the library, as the real build needs both.
  if (
    hasCc &&
    !(await succeeds(cc, [...ccFlags, '-x', 'c', '-', '-o', '/dev/null', '-lz'], env, ZLIB_PROBE))
  ) {
    missing.push('zlib headers and library (zlib.h, -lz)');
  }
  if (missing.length > 0) throw new ToolchainMissingError(missing);
}

function succeeds(command: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
    child.stdin.on('error', () => undefined); // the tool may exit before reading
    child.stdin.end(stdin ?? '');
  });
}
