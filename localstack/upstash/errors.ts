/**
 * Base of the errors the local Upstash endpoint raises.
 *
 * @example
 * ```ts
 * try { await startUpstashEndpoint({ redisUrl }); } catch (e) { if (e instanceof UpstashEndpointError) ... }
 * ```
 */
export class UpstashEndpointError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A request the endpoint refuses before any command runs; `status` is the HTTP status it answers with,
 * and the message goes out as `{ "error": message }`.
 *
 * @example
 * ```ts
 * throw new UpstashRequestError(400, 'ERR failed to parse the request body as JSON');
 * ```
 */
export class UpstashRequestError extends UpstashEndpointError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The endpoint could not start: its Redis does not answer, or it cannot listen.
 *
 * @example
 * ```ts
 * await expect(startUpstashEndpoint({ redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(UpstashStartError);
 * ```
 */
export class UpstashStartError extends UpstashEndpointError {}
