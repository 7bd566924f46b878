/**
 * Prebuilds the local Kafka broker (librdkafka mock cluster launcher) into the per-machine cache,
 * e.g. as a CI step before the tests, and prints where it is and how long it took.
 *
 * @example
 * // npx tsx localstack/kafka/build-cli.ts
 * // mock-broker ready: /root/.cache/banku/mock-broker-2.12.0-3f2a…/mock-broker (librdkafka 2.12.0, built library+launcher, 47.3 s)
 */
import { ensureMockBroker } from './build.js';
import { LocalKafkaError } from './errors.js';

try {
  const build = await ensureMockBroker();
  const what = [build.built.library && 'library', build.built.launcher && 'launcher']
    .filter(Boolean)
    .join('+');
  process.stdout.write(
    `mock-broker ready: ${build.binaryPath} (librdkafka ${build.librdkafkaVersion}, ` +
      `${what ? `built ${what}` : 'cached'}, ${(build.durationMs / 1000).toFixed(1)} s)\n`,
  );
} catch (error) {
  process.stderr.write(`${error instanceof LocalKafkaError ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
