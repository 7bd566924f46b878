import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureApacheKafka } from '../localstack/kafka/apache/install.js';
import { APACHE_KAFKA_INSTALL_HINT, ApacheKafkaToolsMissingError } from '../localstack/kafka/errors.js';

// How the Apache broker finds Kafka and Java, checked with a PATH of the test's own: no jar is
// fetched and no JVM started (only `java -version`).
let dir: string;
let onlyJava: string;
let nothing: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'banku-kafka-install-'));
  onlyJava = join(dir, 'bin-java');
  nothing = join(dir, 'bin-empty');
  await mkdir(onlyJava);
  await mkdir(nothing);
  const java = await realpath(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim());
  await symlink(java, join(onlyJava, 'java'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const envWith = (path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: path,
  XDG_CACHE_HOME: join(dir, 'cache'),
  ...extra,
});

describe('finding Apache Kafka', () => {
  it('uses KAFKA_HOME without Maven', async () => {
    const kafkaHome = join(dir, 'kafka_2.13-4.4.0');
    await mkdir(join(kafkaHome, 'libs'), { recursive: true });
    await writeFile(join(kafkaHome, 'libs', 'kafka_2.13-4.4.0.jar'), '');

    const install = await ensureApacheKafka({ env: envWith(onlyJava, { KAFKA_HOME: kafkaHome }) });

    expect(install).toMatchObject({
      source: 'KAFKA_HOME',
      version: '4.4.0',
      libsDir: join(kafkaHome, 'libs'),
      fetched: false,
    });
  });

  it('says in one message what to install, or to use KAFKA_HOME, when Java and Maven are missing', async () => {
    const error = await ensureApacheKafka({ env: envWith(nothing) }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApacheKafkaToolsMissingError);
    const message = (error as Error).message;
    expect(message).toContain('Java 17 or newer (found: none)');
    expect(message).toContain('Maven (mvn)');
    expect(message).toContain(APACHE_KAFKA_INSTALL_HINT);
    expect(message).toContain('KAFKA_HOME');
  });

  it('names a KAFKA_HOME that holds no Kafka', async () => {
    const error = await ensureApacheKafka({ env: envWith(onlyJava, { KAFKA_HOME: dir }) }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ApacheKafkaToolsMissingError);
    expect((error as Error).message).toContain(`KAFKA_HOME=${dir} to hold libs/kafka_2.13-*.jar`);
    expect((error as Error).message).not.toContain('Java 17');
  });
});
