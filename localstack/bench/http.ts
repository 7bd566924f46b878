import { localIssuerFromEnv, mintToken } from '../issuer/mint-client.js';
import type { StackEnv } from '../stack/stack-env.js';

/** Where the service answers, its key, and the bearer token of the bench's customer. */
export interface ServiceUrl {
  readonly url: string;
  readonly apiKey: string;
  readonly token: string;
}

/**
 * The service as the bench's one customer calls it, with a token of the stack's local issuer that
 * outlives any run.
 *
 * @example
 * ```ts
 * const service = await benchCustomer(offline, stack.env);
 * ```
 */
export async function benchCustomer(
  offline: { url: string; apiKey: string },
  stackEnv: StackEnv,
): Promise<ServiceUrl> {
  const issuer = localIssuerFromEnv(stackEnv);
  if (!issuer) throw new Error('the bench needs the local stack to run its own token issuer');
  const token = await mintToken(issuer, { sub: 'bench-customer', expiresInSeconds: 24 * 3600 });
  return { url: offline.url, apiKey: offline.apiKey, token };
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
): Promise<T> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      'x-api-key': service.apiKey,
      authorization: `Bearer ${service.token}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== expected)
    throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
