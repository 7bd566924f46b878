import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { APACHE_ONLY_SUITES, KAFKA_SUITES } from './kafka-suites.js';

// `npm run test:kafka`: the Kafka-facing suites and the real-fault suites, with the same settings as
// `npm test`, on the broker BANKU_BROKER names (the npm script sets apache).
export default defineConfig({
  ...base,
  test: { ...base.test, include: [...KAFKA_SUITES, APACHE_ONLY_SUITES], exclude: ['**/node_modules/**'] },
});
