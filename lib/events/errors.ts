/**
 * Thrown by `encodeEvent` / `createEvent` when an event does not satisfy the current schema. It is a
 * programming error in the producer: an invalid event must never reach the log.
 *
 * @example
 * try { encodeEvent(event); } catch (error) { if (error instanceof EventValidationError) console.error(error.issues); }
 */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';

  constructor(
    message: string,
    /** One line per schema issue, `path: message`. */
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Thrown by `canonicalJson` for values JSON cannot represent faithfully (non-finite numbers, bigint, functions,
 * symbols, cycles): hashing them would silently collide with other inputs.
 *
 * @example
 * try { canonicalJson({ n: Number.NaN }); } catch (error) { error instanceof CanonicalJsonError; // true }
 */
export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
}
