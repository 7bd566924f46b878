import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, watchChild } from './processes.js';
import { median } from './stats.js';

/** One function's deployment artifact and how long a fresh Node process takes to import it. */
export interface BundleFigures {
  function: string;
  zipBytes: number;
  bundleBytes: number;
  sourceMapBytes: number;
  /** Median `await import(bundle)` time in a fresh process, as on AWS (with `--enable-source-maps`). */
  importMs: number;
  /** The same without `--enable-source-maps`. */
  importMsNoSourceMaps: number;
  /** Median wall time of the whole `node` process (start, import, exit), with source maps. */
  processMs: number;
}

/** What `npm run package` produced. */
export interface BundlesResult {
  packageMs: number;
  runs: number;
  functions: BundleFigures[];
}

/**
 * Packages the service as for a deployment (`npm run package -- --package <temp dir>`, in a build
 * folder of its own), unzips each function's artifact and imports its bundle `runs` times in fresh
 * Node processes, with and without `--enable-source-maps` (provider `NODE_OPTIONS` sets it on AWS).
 * Removes the temp dir afterwards.
 *
 * @example
 * ```ts
 * const { functions } = await measureBundles({ runs: 5 });
 * ```
 */
export async function measureBundles(options: { runs: number }): Promise<BundlesResult> {
  if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('`unzip` is needed to read the packaged functions (apt-get install unzip)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'banku-bench-package-'));
  try {
    const started = performance.now();
    const packaging = watchChild(
      'npm run package',
      spawn('npm', ['run', 'package', '--', '--package', dir], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, BANKU_BUILD_ID: `bench-${process.pid}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const code = await packaging.exited;
    if (code !== 0)
      throw new Error(`npm run package failed (${code}):\n${packaging.output.slice(-20).join('\n')}`);
    const packageMs = Math.round(performance.now() - started);

    const functions: BundleFigures[] = [];
    for (const zip of (await readdir(dir)).filter((name) => name.endsWith('.zip')).sort()) {
      const name = zip.slice(0, -'.zip'.length);
      const target = join(dir, name);
      const unzipped = spawnSync('unzip', ['-q', '-o', join(dir, zip), '-d', target]);
      if (unzipped.status !== 0) throw new Error(`unzip ${zip} failed: ${unzipped.stderr.toString()}`);
      const bundle = (await readdir(join(target, 'functions'))).find((file) => file.endsWith('.mjs'));
      if (!bundle) throw new Error(`${zip} holds no .mjs bundle`);
      const file = join(target, 'functions', bundle);
      const withMaps: number[] = [];
      const withoutMaps: number[] = [];
      const processes: number[] = [];
      for (let i = 0; i < options.runs; i += 1) {
        const timed = importOnce(file, true);
        withMaps.push(timed.importMs);
        processes.push(timed.processMs);
        withoutMaps.push(importOnce(file, false).importMs);
      }
      functions.push({
        function: name,
        zipBytes: (await stat(join(dir, zip))).size,
        bundleBytes: (await stat(file)).size,
        sourceMapBytes: await stat(`${file}.map`).then(
          (s) => s.size,
          () => 0,
        ),
        importMs: round(median(withMaps)),
        importMsNoSourceMaps: round(median(withoutMaps)),
        processMs: round(median(processes)),
      });
    }
    return { packageMs, runs: options.runs, functions };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const IMPORT_SCRIPT =
  'const t = performance.now(); await import(process.env.BENCH_BUNDLE); ' +
  'process.stdout.write(String(performance.now() - t)); process.exit(0);';

function importOnce(file: string, sourceMaps: boolean): { importMs: number; processMs: number } {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', IMPORT_SCRIPT],
    { env: { ...env, BENCH_BUNDLE: `file://${file}` }, encoding: 'utf8' },
  );
  const processMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`importing ${file} failed: ${child.stderr}`);
  return { importMs: Number(child.stdout), processMs };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
