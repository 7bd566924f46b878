/**
 * Values Banku uses when the environment does not say otherwise. They are the embedded defaults that
 * `npm run dev` and the tests run on, and the names a deployment overrides through `serverless.yml`.
 *
 * @example
 * ```ts
 * import { DEFAULT_TOPIC } from '../config/defaults.js';
 * const topic = process.env.KAFKA_TOPIC ?? DEFAULT_TOPIC;
 * ```
 */
export const DEFAULT_TOPIC = 'banku.account-events';

/** Partitions of the service topic on the local broker; each account's events stay on one of them. */
export const DEFAULT_TOPIC_PARTITIONS = 3;

/** Prefix of every Redis key Banku writes, so one Redis can hold several deployments or test runs. */
export const DEFAULT_KEY_PREFIX = 'banku';
