import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { tokenAuthorizer, UNAUTHORIZED } from '../../lib/auth/authorizer.js';
import { authConfig } from '../../lib/auth/config.js';
import { requestPrincipal } from '../../lib/auth/principal-context.js';
import { VerifiedTokenCache } from '../../lib/auth/token-cache.js';
import { type TokenVerifier, tokenVerifier } from '../../lib/auth/verify-token.js';
import { HttpError } from '../../lib/http/errors.js';
import { freePort } from '../../localstack/offline/free-port.js';
import { testToken } from '../support/tokens.js';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/accounts/0e7f';
const event = (authorizationToken: string): APIGatewayTokenAuthorizerEvent => ({
  type: 'TOKEN',
  methodArn: METHOD_ARN,
  authorizationToken,
});

/** The production verifier against the stack's issuer, counting the tokens it is asked to check. */
function countingVerifier() {
  const verify = tokenVerifier(authConfig(process.env));
  const counted = { calls: 0 };
  const verifier: TokenVerifier = (token) => {
    counted.calls += 1;
    return verify(token);
  };
  return { verifier, counted };
}

describe('the TOKEN authorizer', () => {
  it('allows the whole API to the token holder and hands the principal on in the context', async () => {
    const { verifier } = countingVerifier();
    const authorize = tokenAuthorizer(() => verifier);
    const result = await authorize(event(`Bearer ${await testToken({ sub: 'alice' })}`));
    expect(result.principalId).toBe('alice');
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*',
      },
    ]);
    expect(result.context).toMatchObject({ kind: 'customer', expiresAt: expect.stringMatching(/^\d+$/) });
    // What API Gateway then passes to the handler reads back as the same principal.
    const principal = requestPrincipal({
      headers: {},
      requestContext: { authorizer: { principalId: result.principalId, ...result.context } },
    } as never);
    expect(principal).toEqual({ kind: 'customer', subject: 'alice' });
  });

  it('fails with exactly "Unauthorized" (API Gateway: 401) for a missing or bad token', async () => {
    const authorize = tokenAuthorizer(() => countingVerifier().verifier);
    await expect(authorize(event(''))).rejects.toThrow(new Error(UNAUTHORIZED));
    await expect(authorize(event('Basic YWxpY2U6cw=='))).rejects.toThrow(new Error(UNAUTHORIZED));
    const expired = await testToken({ sub: 'alice', expiresInSeconds: -60 });
    await expect(authorize(event(`Bearer ${expired}`))).rejects.toThrow(new Error(UNAUTHORIZED));
  });

  it('fails with another error (API Gateway: 5xx, retried) when the issuer cannot be reached', async () => {
    const closedPort = await freePort();
    const authorize = tokenAuthorizer(() =>
      tokenVerifier(authConfig({ AUTH_ISSUER: `http://127.0.0.1:${closedPort}`, AUTH_AUDIENCE: 'banku' })),
    );
    const error = await authorize(event(`Bearer ${await testToken({ sub: 'alice' })}`)).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toBe(UNAUTHORIZED);
  });

  it('answers a token it verified from its cache until the token expires, then checks it again', async () => {
    const { verifier, counted } = countingVerifier();
    let now = Date.now();
    const cache = new VerifiedTokenCache();
    const authorize = tokenAuthorizer(
      () => verifier,
      cache,
      () => now,
    );
    const token = await testToken({ sub: 'alice', expiresInSeconds: 60 });
    for (let i = 0; i < 5; i += 1) await authorize(event(`Bearer ${token}`));
    expect(counted.calls).toBe(1);
    await authorize(event(`Bearer ${await testToken({ sub: 'bob' })}`));
    expect(counted.calls).toBe(2);
    now += 61_000;
    // Past its exp the cache lets it go; the verifier (with its clock tolerance) decides again.
    await authorize(event(`Bearer ${token}`)).catch(() => undefined);
    expect(counted.calls).toBe(3);
  });
});

describe('the principal a handler reads', () => {
  const context = (authorizer: unknown, headers: Record<string, string> = {}) =>
    ({ headers, requestContext: { authorizer } }) as never;
  const inAnHour = String(Math.floor(Date.now() / 1000) + 3600);
  const status = (run: () => unknown) => {
    try {
      run();
      return 'allowed';
    } catch (error) {
      return error instanceof HttpError ? error.statusCode : String(error);
    }
  };

  it('is the operator or customer the authorizer verified', () => {
    expect(requestPrincipal(context({ principalId: 'olga', kind: 'operator', expiresAt: inAnHour }))).toEqual(
      {
        kind: 'operator',
        subject: 'olga',
      },
    );
  });

  it('is refused with 401 when absent, malformed, expired since a cached answer, or overridden', () => {
    expect(status(() => requestPrincipal(context(undefined)))).toBe(401);
    expect(
      status(() => requestPrincipal(context({ principalId: 'x', kind: 'admin', expiresAt: inAnHour }))),
    ).toBe(401);
    const past = String(Math.floor(Date.now() / 1000) - 1);
    expect(
      status(() => requestPrincipal(context({ principalId: 'x', kind: 'customer', expiresAt: past }))),
    ).toBe(401);
    expect(
      status(() =>
        requestPrincipal(
          context(
            { principalId: 'x', kind: 'customer', expiresAt: inAnHour },
            { 'Sls-Offline-Authorizer-Override': '{}' },
          ),
        ),
      ),
    ).toBe(401);
  });
});

describe('the verified-token cache', () => {
  it('forgets the oldest entry past its bound', () => {
    const cache = new VerifiedTokenCache(2);
    const entry = (subject: string) => ({
      principal: { kind: 'customer' as const, subject },
      expiresAt: 2e9,
    });
    cache.put('a', entry('a'));
    cache.put('b', entry('b'));
    cache.put('c', entry('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('a', Date.now())).toBeUndefined();
    expect(cache.get('c', Date.now())?.principal.subject).toBe('c');
  });
});
