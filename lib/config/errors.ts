/**
 * The environment lacks a setting, or holds one that cannot be used. The message names the variable
 * and says what is expected, so whoever deploys can fix it without reading code.
 *
 * @example
 * ```ts
 * throw new ConfigurationError('KAFKA_TOPIC_PREFIX', 'must not be empty');
 * ```
 */
export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${variable} ${problem}`, options);
    this.name = 'ConfigurationError';
  }
}
