/**
 * Prepares the local Kafka brokers in the per-machine cache, e.g. as a CI step before the tests, and
 * prints where they are and how long it took: `--broker mock` (default) builds the librdkafka mock
 * cluster launcher, `--broker apache` fetches Apache Kafka with Maven (or checks `KAFKA_HOME`),
 * `--broker all` does both.
 *
 * @example
 * // npx tsx localstack/kafka/build-cli.ts --broker all
 * // mock-broker ready: /root/.cache/banku/mock-broker-2.12.0-3f2a…/mock-broker (librdkafka 2.12.0, cached, 0.0 s)
 * // apache-kafka ready: /root/.cache/banku/apache-kafka-4.4.0-323c…/libs (Kafka 4.4.0 from maven, fetched, 9.8 s)
 */
import { parseArgs } from 'node:util';
import { ensureApacheKafka } from './apache/install.js';
import { ensureMockBroker } from './build.js';
import { LocalKafkaError } from './errors.js';

try {
  const { values } = parseArgs({ options: { broker: { type: 'string', default: 'mock' } }, strict: true });
  if (!['mock', 'apache', 'all'].includes(values.broker))
    throw new LocalKafkaError(`--broker must be mock, apache or all, got "${values.broker}"`);
  if (values.broker !== 'apache') {
    const build = await ensureMockBroker();
    const what = [build.built.library && 'library', build.built.launcher && 'launcher']
      .filter(Boolean)
      .join('+');
    process.stdout.write(
      `mock-broker ready: ${build.binaryPath} (librdkafka ${build.librdkafkaVersion}, ` +
        `${what ? `built ${what}` : 'cached'}, ${(build.durationMs / 1000).toFixed(1)} s)\n`,
    );
  }
  if (values.broker !== 'mock') {
    const install = await ensureApacheKafka();
    process.stdout.write(
      `apache-kafka ready: ${install.libsDir} (Kafka ${install.version} from ${install.source}, ` +
        `${install.fetched ? 'fetched' : 'cached'}, ${(install.durationMs / 1000).toFixed(1)} s)\n`,
    );
  }
} catch (error) {
  process.stderr.write(`${error instanceof LocalKafkaError ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
