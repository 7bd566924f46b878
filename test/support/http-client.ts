import { contractViolations } from './openapi.js';

/** A response as the tests look at it. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * Calls the local API as the holder of `token` (a bearer token) and checks every answer against the
 * OpenAPI document, so each test also proves the implementation keeps the contract.
 */
export function apiClient(baseUrl: string, apiKey: string, token: string) {
  return async function call(
    method: 'GET' | 'POST',
    route: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
      apiKey?: string | null;
      /** Another bearer token for this call, or null to send none. */
      token?: string | null;
    } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const key = options.apiKey === undefined ? apiKey : options.apiKey;
    if (key !== null) headers['x-api-key'] = key;
    const bearer = options.token === undefined ? token : options.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.rawBody !== undefined
        ? { body: options.rawBody }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: leave the text for the assertion to show.
    }
    const violations = contractViolations(route, method, response.status, body);
    if (violations.length > 0) {
      throw new Error(
        `${method} ${path} → ${response.status} breaks the OpenAPI contract: ${violations.join('; ')}\n${text}`,
      );
    }
    return { status: response.status, headers: response.headers, body };
  };
}
