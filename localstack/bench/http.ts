import { Agent, request as httpRequest } from 'node:http';
import { localIssuerFromEnv, mintToken } from '../issuer/mint-client.js';
import type { StackEnv } from '../stack/stack-env.js';
import { BENCH_HOLDER } from './workload.js';

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
  const token = await mintToken(issuer, { sub: BENCH_HOLDER.subject, expiresInSeconds: 24 * 3600 });
  return { url: offline.url, apiKey: offline.apiKey, token };
}

/** A status and the body as text. */
export interface Answer {
  status: number;
  text: string;
}

// node:http with kept-alive sockets, not fetch: the client shares the machine's CPUs with what it
// measures, and fetch costs several times more CPU per request (about 1.5 ms on the bench machine).
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/**
 * One JSON request to the service, with its API key and token; resolves with whatever status comes back and
 * rejects only when no answer does (refused, reset).
 *
 * @example
 * ```ts
 * const { status, text } = await send(service, 'POST', `/accounts/${id}/deposits`, { amount: 100 });
 * ```
 */
export function send(
  service: ServiceUrl,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${service.url}${path}`,
      {
        method,
        agent,
        headers: {
          'x-api-key': service.apiKey,
          authorization: `Bearer ${service.token}`,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
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
  const { status, text } = await send(service, method, path, body, headers);
  if (status !== expected) throw new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
