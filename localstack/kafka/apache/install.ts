import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir } from '../build.js';
import { withBuildLock } from '../build-lock.js';
import { ApacheKafkaToolsMissingError, BuildStepError } from '../errors.js';
import { runStep } from '../run-step.js';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
/** Kafka 4 brokers run on Java 17 or newer. */
const MIN_JAVA = 17;

/**
 * Where the broker's jars come from and how to run Java.
 *
 * @example
 * const { java, libsDir } = await ensureApacheKafka();
 */
export interface ApacheKafkaInstall {
  /** The `java` executable: `$JAVA_HOME/bin/java`, else `java` from PATH. */
  readonly java: string;
  /** A folder of jars holding `kafka_2.13-<version>.jar` and its dependencies. */
  readonly libsDir: string;
  /** Kafka's version, read from the jar's name. */
  readonly version: string;
  /** `KAFKA_HOME` (a user's download) or `maven` (fetched into the cache). */
  readonly source: 'KAFKA_HOME' | 'maven';
  /** True when this call fetched the jars. */
  readonly fetched: boolean;
  /** `java -version`'s output: which JVM build runs the broker (a class archive is valid for one). */
  readonly javaBuild: string;
  readonly durationMs: number;
}

/**
 * Finds or fetches Apache Kafka: `$KAFKA_HOME/libs` when `KAFKA_HOME` is set (no Maven needed), else
 * the jars `localstack/kafka/apache/pom.xml` names, fetched once per machine with Maven into
 * `${XDG_CACHE_HOME:-~/.cache}/banku/apache-kafka-<version>-<pom hash>/libs` (about 45 MB; Maven's
 * own repository beside it in `maven-repository`).
 * Fails with one {@link ApacheKafkaToolsMissingError} naming what to install when Java or Maven is
 * missing.
 *
 * @example
 * const install = await ensureApacheKafka({ log: console.error });
 */
export async function ensureApacheKafka(
  options: { env?: NodeJS.ProcessEnv; cacheDir?: string; log?: (line: string) => void } = {},
): Promise<ApacheKafkaInstall> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[apache-kafka] ${line}\n`));
  const java = env.JAVA_HOME?.trim() ? join(env.JAVA_HOME.trim(), 'bin', 'java') : 'java';
  const kafkaHome = env.KAFKA_HOME?.trim();
  const javaBuild = (await capture(java, ['-version'], env)) ?? '';
  const javaVersion = javaMajorVersion(javaBuild);
  const javaOk = javaVersion !== undefined && javaVersion >= MIN_JAVA;
  const done = (
    libsDir: string,
    version: string,
    source: ApacheKafkaInstall['source'],
    fetched: boolean,
  ) => ({
    java,
    libsDir,
    version,
    source,
    fetched,
    javaBuild,
    durationMs: Date.now() - started,
  });

  const javaProblem = javaOk ? [] : [`Java ${MIN_JAVA} or newer (found: ${javaVersion ?? 'none'})`];

  if (kafkaHome) {
    const libsDir = join(kafkaHome, 'libs');
    const version = await kafkaVersionIn(libsDir);
    const homeProblem =
      version === undefined ? [`KAFKA_HOME=${kafkaHome} to hold libs/kafka_2.13-*.jar`] : [];
    if (version === undefined || !javaOk)
      throw new ApacheKafkaToolsMissingError([...javaProblem, ...homeProblem]);
    return done(libsDir, version, 'KAFKA_HOME', false);
  }

  const pom = await readFile(POM, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const folder = join(
    cacheDir,
    `apache-kafka-${version}-${createHash('sha256').update(pom).digest('hex').slice(0, 12)}`,
  );
  const libsDir = join(folder, 'libs');
  if ((await kafkaVersionIn(libsDir)) !== undefined && javaOk) return done(libsDir, version, 'maven', false);

  const mavenProblem = (await succeeds('mvn', ['--version'], env))
    ? []
    : ['Maven (mvn), to fetch Kafka once'];
  if (!javaOk || mavenProblem.length > 0)
    throw new ApacheKafkaToolsMissingError([...javaProblem, ...mavenProblem]);

  await mkdir(cacheDir, { recursive: true });
  return withBuildLock(
    join(cacheDir, '.build.lock'),
    async () => {
      if ((await kafkaVersionIn(libsDir)) !== undefined) return done(libsDir, version, 'maven', false);
      log(`fetching Apache Kafka ${version} from Maven Central once for this machine…`);
      const tmp = join(cacheDir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
      const logPath = join(cacheDir, 'fetch-apache-kafka.log');
      await writeFile(logPath, `Apache Kafka ${version} fetch, ${new Date().toISOString()}\n`);
      try {
        await mkdir(tmp);
        await runStep({
          step: 'mvn dependency:copy-dependencies',
          command: 'mvn',
          args: [
            '-q',
            '-B',
            // Maven's own downloads (plugins, the jars before the copy) stay in Banku's cache too, so
            // one folder is all a machine or a CI cache keeps, whatever ~/.m2 holds.
            `-Dmaven.repo.local=${join(cacheDir, 'maven-repository')}`,
            '-f',
            POM,
            'dependency:copy-dependencies',
            '-DincludeScope=runtime',
            `-DoutputDirectory=${join(tmp, 'libs')}`,
          ],
          cwd: tmp,
          logPath,
          env,
        });
        if ((await kafkaVersionIn(join(tmp, 'libs'))) !== version)
          throw new BuildStepError('check jars', logPath, `no kafka_2.13-${version}.jar in the fetched jars`);
        await rename(tmp, folder).catch((error: NodeJS.ErrnoException) => {
          // Another process published the same folder first; theirs is equivalent.
          if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      log(`Apache Kafka ${version} fetched in ${((Date.now() - started) / 1000).toFixed(1)} s → ${libsDir}`);
      return done(libsDir, version, 'maven', true);
    },
    { onWait: (holder) => log(`waiting for another fetch or build (${holder})…`) },
  );
}

/** The version in `kafka_2.13-<version>.jar`, or undefined when the folder holds no broker. */
async function kafkaVersionIn(libsDir: string): Promise<string | undefined> {
  const names = await readdir(libsDir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^kafka_2\.13-(\d[\w.-]*?)\.jar$/.exec(name);
    if (match) return match[1];
  }
  return undefined;
}

/** `java -version` prints e.g. `openjdk version "17.0.15"` (or `"1.8.0_392"`) on stderr. */
function javaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

async function succeeds(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await capture(command, args, env)) !== undefined;
}

function capture(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? output : undefined));
  });
}
