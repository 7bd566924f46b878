import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from './responses.js';

/** One reason a request was refused, in the shape of the API's `validation_failed` error. */
export interface ValidationIssue {
  /** Dotted path into the request, e.g. `body.amount` or `path.id`; empty for the request as a whole. */
  path: string;
  message: string;
}

/**
 * An error that has an HTTP answer. Handlers throw these from `lib/`, and the HTTP adapter turns
 * them into responses; anything else is a 500.
 *
 * @example
 * ```ts
 * throw new HttpError(404, { error: 'account_not_found' });
 * ```
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: { error: string } & Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${statusCode} ${body.error}`);
    this.name = 'HttpError';
  }

  toResponse(): APIGatewayProxyResult {
    return jsonResponse(this.statusCode, this.body, this.headers);
  }
}

/**
 * 400 `{error: "validation_failed", details: [{path, message}]}`: the request is malformed and nothing
 * was done.
 *
 * @example
 * ```ts
 * throw new ValidationFailedError([{ path: 'body.amount', message: 'must be an integer' }]);
 * ```
 */
export class ValidationFailedError extends HttpError {
  constructor(readonly details: ValidationIssue[]) {
    super(400, { error: 'validation_failed', details });
    this.name = 'ValidationFailedError';
  }
}
