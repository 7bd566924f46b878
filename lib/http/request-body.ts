import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationFailedError } from './errors.js';

/**
 * Reads a request body that must be a JSON object. An empty body, malformed JSON or any other JSON
 * value (an array, a string, null) is a `validation_failed` error, so the caller sees why.
 *
 * @example
 * ```ts
 * const body = readJsonObjectBody(event); // Record<string, unknown>
 * ```
 */
export function readJsonObjectBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>) {
  // API Gateway always passes a string or null; serverless-offline passes a JSON body that parses to a
  // falsy value (`0`, `false`) as that value.
  const body: unknown = event.body;
  const text = typeof body === 'string' || body == null ? body : JSON.stringify(body);
  const raw = event.isBase64Encoded && text ? Buffer.from(text, 'base64').toString('utf8') : text;
  if (raw == null || raw.trim() === '') {
    throw new ValidationFailedError([{ path: 'body', message: 'a JSON object body is required' }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unparseable';
    throw new ValidationFailedError([{ path: 'body', message: `body is not valid JSON: ${reason}` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    throw new ValidationFailedError([{ path: 'body', message: `body must be a JSON object, got ${kind}` }]);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads a header whatever its case: API Gateway passes headers as the client sent them.
 *
 * @example
 * ```ts
 * const key = readHeader(event.headers, 'Idempotency-Key');
 * ```
 */
export function readHeader(headers: APIGatewayProxyEvent['headers'] | null | undefined, name: string) {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value != null) return value;
  }
  return undefined;
}

/**
 * Every value a request carried for one header, whatever its case. API Gateway keeps repeated headers
 * only in `multiValueHeaders` (its `headers` holds the last one); without that map, `headers` is used.
 *
 * @example
 * ```ts
 * if (readHeaderValues(event, 'Idempotency-Key').length > 1) refuse('send Idempotency-Key once');
 * ```
 */
export function readHeaderValues(
  event: Pick<APIGatewayProxyEvent, 'headers'> & Partial<Pick<APIGatewayProxyEvent, 'multiValueHeaders'>>,
  name: string,
): string[] {
  const wanted = name.toLowerCase();
  if (event.multiValueHeaders) {
    const values: string[] = [];
    for (const [key, list] of Object.entries(event.multiValueHeaders)) {
      if (key.toLowerCase() === wanted && list) values.push(...list);
    }
    if (values.length > 0) return values;
  }
  const single = readHeader(event.headers, name);
  return single === undefined ? [] : [single];
}
