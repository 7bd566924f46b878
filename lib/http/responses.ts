import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * A JSON response for API Gateway's Lambda proxy integration.
 *
 * @example
 * ```ts
 * return jsonResponse(202, { transactionId, status: 'pending' });
 * ```
 */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
