/** Where the service answers, and its key. */
export interface ServiceUrl {
  readonly url: string;
  readonly apiKey: string;
}

/**
 * One JSON request to the service; throws unless the status is the expected one.
 *
 * @example
 * ```ts
 * const { transactionId } = await call<{ transactionId: string }>(service, 'POST', `/accounts/${id}/deposits`, { amount: 100 }, 202);
 * ```
 */
export async function call<T>(
  service: ServiceUrl,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  expected: number,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'x-api-key': service.apiKey, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== expected)
    throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
