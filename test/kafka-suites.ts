/**
 * The suites that talk to Kafka. `npm test` runs them on the mock broker with everything else;
 * `npm run test:kafka` runs them again, with the `*.apache.test.ts` files (real faults on a broker of
 * their own: SIGKILL, SIGSTOP, restarts), on Apache Kafka.
 */
export const KAFKA_SUITES = [
  'test/kafka/producer.test.ts',
  'test/offline-msk/mapping-runner.test.ts',
  'test/offline-msk/plugin.test.ts',
  'test/projector/invariants.kafka.test.ts',
  'test/projector/poison-records.kafka.test.ts',
  'test/rebuild/rebuild-cli.test.ts',
  'test/e2e/banking.offline.test.ts',
  'test/commands/command-routes.offline.test.ts',
  'test/lifecycle/stack-cli.test.ts',
  'test/lifecycle/dev-cli.test.ts',
];

/** Files that need a real broker's faults, so only the Apache run has them. */
export const APACHE_ONLY_SUITES = 'test/**/*.apache.test.ts';
