/**
 * Base class of every error thrown by `offline-msk`.
 *
 * @example
 * try { await startMapping(options); } catch (e) { if (e instanceof OfflineMskError) console.error(e.message); }
 */
export class OfflineMskError extends Error {
  override readonly name: string = 'OfflineMskError';
}

/**
 * A mapping setting is missing or out of range (the same ranges AWS enforces).
 *
 * @example
 * new InvalidMappingError('projectEvents', 'batchSize must be an integer in 1..10000, got 0');
 */
export class InvalidMappingError extends OfflineMskError {
  override readonly name = 'InvalidMappingError';
  constructor(
    readonly functionName: string,
    readonly detail: string,
  ) {
    super(`offline-msk: mapping of ${functionName}: ${detail}`);
  }
}

/**
 * A filter pattern uses syntax this runner does not support, or is not valid Lambda filter syntax.
 *
 * @example
 * new InvalidFilterPatternError('{"value":{"a":[{"wildcard":"x*"}]}}', 'unsupported operator "wildcard"');
 */
export class InvalidFilterPatternError extends OfflineMskError {
  override readonly name = 'InvalidFilterPatternError';
  constructor(
    readonly pattern: string,
    readonly detail: string,
  ) {
    super(`offline-msk: filter pattern ${pattern}: ${detail}`);
  }
}

/**
 * The function ran and failed (the Invoke API answered with a `FunctionError`), or could not be reached.
 *
 * @example
 * new FunctionInvocationError('banku-dev-projectEvents', 'Unhandled', '{"errorMessage":"boom"}');
 */
export class FunctionInvocationError extends OfflineMskError {
  override readonly name = 'FunctionInvocationError';
  constructor(
    readonly functionName: string,
    /** `Unhandled`, `Handled`, or the `x-amzn-ErrorType` of an API error. */
    readonly functionError: string,
    /** The response payload (the function's error object as JSON), for the log. */
    readonly payload: string,
  ) {
    super(`offline-msk: ${functionName} failed (${functionError}): ${payload.slice(0, 500)}`);
  }
}

/**
 * The serverless service declares a mapping the plugin cannot run (no brokers, unresolvable topic, …).
 *
 * @example
 * new PluginConfigError('no Kafka brokers: set KAFKA_BROKERS or custom.serverless-offline-msk.brokers');
 */
export class PluginConfigError extends OfflineMskError {
  override readonly name = 'PluginConfigError';
  constructor(detail: string) {
    super(`offline-msk: ${detail}`);
  }
}
