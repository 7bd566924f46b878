import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthConfig, authConfig, JWKS_TIMEOUT_MS } from '../../lib/auth/config.js';
import { IssuerUnavailableError, TokenRejectedError } from '../../lib/auth/errors.js';
import type { TokenRejection } from '../../lib/auth/types.js';
import { tokenVerifier } from '../../lib/auth/verify-token.js';
import { stackIssuer, testToken } from '../support/tokens.js';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const CLIENT_ID = '4example0client0id0000000';

const rejection = (promise: Promise<unknown>): Promise<TokenRejection | string> =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof TokenRejectedError ? error.reason : String(error)),
  );

describe('the token verifier against the local issuer (JWKS over HTTP)', () => {
  const verify = () => tokenVerifier(authConfig(process.env));

  it('accepts a customer token: the principal is its sub, valid until its exp', async () => {
    const token = await testToken({ sub: 'alice', expiresInSeconds: 600 });
    const verified = await verify()(token);
    expect(verified.principal).toEqual({ kind: 'customer', subject: 'alice' });
    expect(verified.expiresAt).toBeGreaterThan(Date.now() / 1000 + 590);
  });

  it('recognises an operator by the configured group claim', async () => {
    const verified = await verify()(await testToken({ sub: 'olga', operator: true }));
    expect(verified.principal).toEqual({ kind: 'operator', subject: 'olga' });
  });

  it('says why it refuses a token', async () => {
    expect(await rejection(verify()(await testToken({ sub: 'a', expiresInSeconds: -60 })))).toBe('expired');
    expect(await rejection(verify()(await testToken({ sub: 'a', issuer: 'https://other.example' })))).toBe(
      'wrong_issuer',
    );
    expect(await rejection(verify()(await testToken({ sub: 'a', audience: 'other' })))).toBe(
      'wrong_audience',
    );
    const [header, payload] = (await testToken({ sub: 'a' })).split('.');
    expect(await rejection(verify()(`${header}.${payload}.`))).toBe('bad_signature');
    expect(await rejection(verify()('not.a.jwt'))).toBe('malformed');
    expect(await rejection(verify()('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.'))).toBe('algorithm_not_allowed');
  });

  it('tolerates a few seconds of clock skew, not more', async () => {
    expect(await rejection(verify()(await testToken({ sub: 'a', expiresInSeconds: -2 })))).toBe('accepted');
    expect(await rejection(verify()(await testToken({ sub: 'a', expiresInSeconds: -30 })))).toBe('expired');
  });

  it('refuses a token whose key id the issuer does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'not-a-key-of-the-issuer' })
      .setIssuer(stackIssuer().url)
      .setAudience(process.env.AUTH_AUDIENCE ?? '')
      .setSubject('a')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await rejection(verify()(token))).toBe('unknown_key');
  });
});

describe('the token verifier with Cognito-shaped tokens', () => {
  let sign: (claims: JWTPayload, alg?: string) => Promise<string>;
  let config: AuthConfig;
  let keys: ReturnType<typeof createLocalJWKSet>;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const publicKey = pair.publicKey;
    keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
    config = authConfig({ AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: CLIENT_ID });
    sign = (claims, alg = 'RS256') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: 'k1' })
        .setIssuer(ISSUER)
        .setSubject('7d3e0f52-2d7a-4b8e-9a55-0b0b0b0b0b0b')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
  });

  it('derives the JWKS URL the way Cognito serves it', () => {
    expect(config.jwksUrl.href).toBe(`${ISSUER}/.well-known/jwks.json`);
    expect(config.operatorClaim).toBe('cognito:groups');
  });

  it('accepts an access token (client_id, no aud) and an ID token (aud)', async () => {
    const verify = tokenVerifier(config, keys);
    const access = await sign({ token_use: 'access', client_id: CLIENT_ID, scope: 'openid' });
    const id = await sign({ token_use: 'id', aud: CLIENT_ID, 'cognito:groups': ['banku-operators'] });
    expect((await verify(access)).principal.kind).toBe('customer');
    expect((await verify(id)).principal.kind).toBe('operator');
    expect(await rejection(verify(await sign({ token_use: 'access', client_id: 'another-client' })))).toBe(
      'wrong_audience',
    );
  });

  it('reads an operator scope from a space-separated scope claim when configured so', async () => {
    const verify = tokenVerifier(
      authConfig({
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: CLIENT_ID,
        AUTH_OPERATOR_CLAIM: 'scope',
        AUTH_OPERATOR_VALUE: 'banku/operator',
      }),
      keys,
    );
    const operator = await sign({ client_id: CLIENT_ID, scope: 'openid banku/operator' });
    const lookalike = await sign({ client_id: CLIENT_ID, scope: 'openid banku/operator-ish' });
    expect((await verify(operator)).principal.kind).toBe('operator');
    expect((await verify(lookalike)).principal.kind).toBe('customer');
  });

  it('refuses a token without a sub', async () => {
    const token = await new SignJWT({ client_id: CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await rejection(tokenVerifier(config, keys)(token))).toBe('invalid_claims');
  });
});

describe("the issuer's keys out of reach", () => {
  let silent: Server;
  let url: string;

  beforeAll(async () => {
    // Accepts connections and never answers: the JWKS fetch must give up at its deadline.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    const closed = new Promise<void>((resolve) => silent.close(() => resolve()));
    silent.closeAllConnections();
    await closed;
  });

  it('gives up at the deadline with IssuerUnavailableError, not a token rejection', async () => {
    const verify = tokenVerifier(authConfig({ AUTH_ISSUER: url, AUTH_AUDIENCE: 'banku' }));
    const token = await testToken({ sub: 'a' });
    const started = performance.now();
    const error = await verify(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IssuerUnavailableError);
    expect((error as Error).message).toContain(`${url}/.well-known/jwks.json`);
    expect(performance.now() - started).toBeLessThan(JWKS_TIMEOUT_MS + 1_000);
  });

  it('treats a JWKS endpoint that answers an error as unavailable', async () => {
    const verify = tokenVerifier(
      authConfig({
        AUTH_ISSUER: stackIssuer().url,
        AUTH_AUDIENCE: 'banku',
        AUTH_JWKS_URL: `${stackIssuer().url}/nope`,
      }),
    );
    expect(await verify(await testToken({ sub: 'a' })).catch((caught: unknown) => caught)).toBeInstanceOf(
      IssuerUnavailableError,
    );
  });
});
