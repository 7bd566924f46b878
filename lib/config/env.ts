import { DEFAULT_KEY_PREFIX } from './defaults.js';
import { ConfigurationError } from './errors.js';

/**
 * Reads a required variable.
 *
 * @example
 * ```ts
 * const url = requiredEnv('UPSTASH_REDIS_REST_URL');
 * ```
 */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(name, 'is not set');
  return value;
}

/**
 * The prefix of every Redis key Banku writes: `REDIS_KEY_PREFIX`, or `banku`.
 *
 * @example
 * ```ts
 * const keys = projectionKeys(keyPrefix());
 * ```
 */
export function keyPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.REDIS_KEY_PREFIX?.trim() || DEFAULT_KEY_PREFIX;
  if (prefix.includes(' '))
    throw new ConfigurationError('REDIS_KEY_PREFIX', `must not contain spaces: "${prefix}"`);
  return prefix;
}
