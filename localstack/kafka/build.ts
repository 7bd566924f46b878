import { createHash, randomBytes } from 'node:crypto';
import {
  access,
  constants,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, withBuildLock } from './build-lock.js';
import { BuildStepError } from './errors.js';
import { applyPatches, LIBRDKAFKA_PATCHES } from './librdkafka-patches.js';
import { runStep } from './run-step.js';
import { assertToolchain, cCompiler } from './toolchain.js';

/** The npm package whose tarball carries the librdkafka source (`package/deps/librdkafka`). */
export const NODE_RDKAFKA_VERSION = '3.6.1';
/** The librdkafka release inside that tarball. */
export const LIBRDKAFKA_VERSION = '2.12.0';
/** `RD_KAFKA_VERSION` for {@link LIBRDKAFKA_VERSION}, checked against the unpacked source. */
const LIBRDKAFKA_VERSION_HEX = '0x020c00ff';

/** Only what the mock cluster needs: no TLS/SASL/compression extras, so no extra -dev packages. */
const CONFIGURE_FLAGS = [
  '--disable-ssl',
  '--disable-gssapi',
  '--disable-sasl',
  '--disable-curl',
  '--disable-zstd',
  '--disable-lz4-ext',
] as const;

const LAUNCHER_SOURCE = fileURLToPath(new URL('./mock-broker.c', import.meta.url));
const LAUNCHER_CFLAGS = ['-O2', '-std=gnu11', '-Wall'] as const;

/**
 * Where {@link ensureMockBroker} keeps its builds.
 *
 * @example
 * const options: BuildOptions = { cacheDir: '/tmp/banku-cache', log: (line) => console.error(line) };
 */
export interface BuildOptions {
  /** Default `${XDG_CACHE_HOME:-~/.cache}/banku`. */
  cacheDir?: string;
  /** Progress lines (default: stderr, only when something is built or awaited). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * The launcher binary and what it took to get it.
 *
 * @example
 * const { binaryPath, built, durationMs } = await ensureMockBroker();
 */
export interface MockBrokerBuild {
  /** Absolute path of the `mock-broker` executable. */
  binaryPath: string;
  librdkafkaVersion: string;
  /** What this call had to build (false/false: everything came from the cache). */
  built: { library: boolean; launcher: boolean };
  durationMs: number;
}

/**
 * The cache folder: `${XDG_CACHE_HOME:-~/.cache}/banku`.
 *
 * @example
 * defaultCacheDir({ XDG_CACHE_HOME: '/var/cache' }); // "/var/cache/banku"
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  return join(base, 'banku');
}

function sha(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** Everything that shapes librdkafka.a; a change gives a new folder, hence a rebuild. */
function libraryKey(): string {
  const recipe = JSON.stringify({
    NODE_RDKAFKA_VERSION,
    CONFIGURE_FLAGS,
    patches: LIBRDKAFKA_PATCHES.map((p) => [p.file, p.find, p.replace]),
  });
  return `librdkafka-${LIBRDKAFKA_VERSION}-${sha(recipe)}`;
}

async function launcherKey(libKey: string, env: NodeJS.ProcessEnv): Promise<string> {
  const source = await readFile(LAUNCHER_SOURCE, 'utf8');
  return `mock-broker-${LIBRDKAFKA_VERSION}-${sha(source, libKey, cCompiler(env).join(' '), LAUNCHER_CFLAGS.join(' '))}`;
}

async function exists(path: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the mock broker launcher, building it once per machine: librdkafka (50-90 s on 2 busy
 * cores, only when its version, build recipe or patches change) and then the launcher (under 1 s,
 * whenever `mock-broker.c` changes). Builds are cached under {@link defaultCacheDir} in folders
 * named by version + hash, are serialized across processes by a lock, and are published by an
 * atomic rename, so a crash never leaves a half-built folder behind.
 *
 * @example
 * const { binaryPath } = await ensureMockBroker();
 */
export async function ensureMockBroker(options: BuildOptions = {}): Promise<MockBrokerBuild> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const log = options.log ?? ((line: string) => process.stderr.write(`[local-kafka] ${line}\n`));
  const libDir = join(cacheDir, libraryKey());
  const launcherDir = join(cacheDir, await launcherKey(libraryKey(), env));
  const binaryPath = join(launcherDir, 'mock-broker');
  const result = (library: boolean, launcher: boolean): MockBrokerBuild => ({
    binaryPath,
    librdkafkaVersion: LIBRDKAFKA_VERSION,
    built: { library, launcher },
    durationMs: Date.now() - started,
  });

  if (await exists(binaryPath, constants.X_OK)) return result(false, false);

  await mkdir(cacheDir, { recursive: true });
  return withBuildLock(
    join(cacheDir, '.build.lock'),
    async () => {
      // Another process may have finished while we waited for the lock.
      if (await exists(binaryPath, constants.X_OK)) return result(false, false);
      await sweepOrphans(cacheDir);
      let builtLibrary = false;
      if (!(await exists(join(libDir, 'lib', 'librdkafka.a')))) {
        await assertToolchain('library', env);
        log(`building librdkafka ${LIBRDKAFKA_VERSION} once for this machine (about a minute)…`);
        const t0 = Date.now();
        await publish(cacheDir, libDir, (out, scratch) => buildLibrary(cacheDir, out, scratch, env));
        log(`librdkafka built in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${libDir}`);
        builtLibrary = true;
      }
      await assertToolchain('launcher', env);
      const t1 = Date.now();
      await publish(cacheDir, launcherDir, (out) => buildLauncher(cacheDir, libDir, out, env));
      log(`mock-broker linked in ${((Date.now() - t1) / 1000).toFixed(1)} s → ${binaryPath}`);
      return result(builtLibrary, true);
    },
    { onWait: (holder) => log(`waiting for another broker build (${holder})…`) },
  );
}

const TMP_PREFIX = '.tmp-';

/** Builds into a private folder, then renames it into place (atomic; the loser of a race discards). */
async function publish(
  cacheDir: string,
  finalDir: string,
  build: (out: string, scratch: string) => Promise<void>,
): Promise<void> {
  const tmp = join(cacheDir, `${TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp);
  try {
    const out = join(tmp, 'out');
    const scratch = join(tmp, 'scratch');
    await mkdir(out);
    await mkdir(scratch);
    await build(out, scratch);
    try {
      await rename(out, finalDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      // Someone published the same key first; theirs is equivalent.
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Removes what builders that died left behind: their temporary folders (named after their pid)
 * and set-aside stale locks. An hour-old folder goes too, whatever its pid says (pid reuse, or a
 * cache shared between hosts).
 */
async function sweepOrphans(cacheDir: string): Promise<void> {
  const hourAgo = Date.now() - 60 * 60_000;
  for (const name of await readdir(cacheDir)) {
    const tmpPid = name.startsWith(TMP_PREFIX)
      ? Number(name.slice(TMP_PREFIX.length).split('-')[0])
      : undefined;
    if (tmpPid === undefined && !name.includes('.stale-')) continue;
    const path = join(cacheDir, name);
    const info = await stat(path).catch(() => undefined);
    const orphan = tmpPid !== undefined && tmpPid !== process.pid && !isAlive(tmpPid);
    if (info && (orphan || info.mtimeMs < hourAgo)) await rm(path, { recursive: true, force: true });
  }
}

async function buildLibrary(
  cacheDir: string,
  out: string,
  work: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const logPath = join(cacheDir, 'build-librdkafka.log');
  await writeFile(logPath, `librdkafka ${LIBRDKAFKA_VERSION} build, ${new Date().toISOString()}\n`);

  // npm pack only downloads the tarball: no install scripts run, nothing lands in node_modules.
  await runStep({
    step: `npm pack node-rdkafka@${NODE_RDKAFKA_VERSION}`,
    command: 'npm',
    args: ['pack', `node-rdkafka@${NODE_RDKAFKA_VERSION}`, '--ignore-scripts', '--loglevel=warn'],
    cwd: work,
    logPath,
    env,
  });
  const tarball = join(work, `node-rdkafka-${NODE_RDKAFKA_VERSION}.tgz`);
  await runStep({
    step: 'unpack',
    command: 'tar',
    args: ['-xzf', tarball, 'package/deps/librdkafka'],
    cwd: work,
    logPath,
    env,
  });
  const src = join(work, 'package', 'deps', 'librdkafka');
  const header = await readFile(join(src, 'src', 'rdkafka.h'), 'utf8');
  if (!header.includes(`#define RD_KAFKA_VERSION ${LIBRDKAFKA_VERSION_HEX}`)) {
    throw new BuildStepError(
      'check version',
      logPath,
      `node-rdkafka@${NODE_RDKAFKA_VERSION} does not carry librdkafka ${LIBRDKAFKA_VERSION}`,
    );
  }
  await applyPatches(src, logPath);

  await runStep({ step: 'configure', command: './configure', args: CONFIGURE_FLAGS, cwd: src, logPath, env });
  // Only the static archive: the shared library and the bundled -static.a are not needed.
  await runStep({
    step: 'make',
    command: 'make',
    args: ['-C', 'src', `-j${availableParallelism()}`, 'librdkafka.a'],
    cwd: src,
    logPath,
    env,
  });

  await mkdir(join(out, 'lib'));
  await mkdir(join(out, 'include'));
  await copyFile(join(src, 'src', 'librdkafka.a'), join(out, 'lib', 'librdkafka.a'));
  for (const h of ['rdkafka.h', 'rdkafka_mock.h'])
    await copyFile(join(src, 'src', h), join(out, 'include', h));
  await writeFile(join(out, 'link-libs.txt'), `${await linkLibs(join(src, 'Makefile.config'))}\n`);
  await writeFile(
    join(out, 'build.json'),
    JSON.stringify(
      { librdkafka: LIBRDKAFKA_VERSION, nodeRdkafka: NODE_RDKAFKA_VERSION, CONFIGURE_FLAGS },
      null,
      2,
    ),
  );
}

/** The system libraries librdkafka.a needs, as configure found them (LIBS+= lines). */
async function linkLibs(makefileConfig: string): Promise<string> {
  const text = await readFile(makefileConfig, 'utf8');
  const libs = text
    .split('\n')
    .filter((line) => line.startsWith('LIBS+='))
    .flatMap((line) => line.slice('LIBS+='.length).trim().split(/\s+/))
    .filter((flag) => flag.length > 0);
  return [...new Set(libs)].join(' ');
}

async function buildLauncher(
  cacheDir: string,
  libDir: string,
  out: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const logPath = join(cacheDir, 'build-mock-broker.log');
  await writeFile(logPath, `mock-broker build, ${new Date().toISOString()}\n`);
  const libs = (await readFile(join(libDir, 'link-libs.txt'), 'utf8')).trim().split(/\s+/).filter(Boolean);
  const [cc, ...ccFlags] = cCompiler(env);
  await runStep({
    step: 'compile mock-broker.c',
    command: cc,
    args: [
      ...ccFlags,
      ...LAUNCHER_CFLAGS,
      `-I${join(libDir, 'include')}`,
      '-o',
      join(out, 'mock-broker'),
      LAUNCHER_SOURCE,
      join(libDir, 'lib', 'librdkafka.a'),
      ...libs,
    ],
    cwd: out,
    logPath,
    env,
  });
}
