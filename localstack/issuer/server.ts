import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { authConfig } from '../../lib/auth/config.js';
import { MintRequest } from './mint-request.js';

const ALGORITHM = 'ES256';
const MAX_BODY_BYTES = 16 * 1024;

/** A running local issuer. */
export interface LocalIssuer {
  /** The `iss` of its tokens; the JWKS is at `<url>/.well-known/jwks.json`. */
  readonly url: string;
  readonly audience: string;
  /** Bearer secret of `POST /tokens`. */
  readonly mintSecret: string;
  stop(): Promise<void>;
}

/**
 * A stand-in for Cognito or any OIDC issuer on a developer's machine: a fresh ES256 key pair made
 * with jose at start (never written anywhere), its public half served as a JWKS on a free port of
 * 127.0.0.1, and `POST /tokens` (with `Authorization: Bearer <mintSecret>`) to mint a token for any
 * `sub`, customer or operator. Operator tokens carry the claim the service is configured with
 * (`AUTH_OPERATOR_CLAIM`/`AUTH_OPERATOR_VALUE`), so the same verifier code decides.
 *
 * @example
 * ```ts
 * const issuer = await startLocalIssuer({ audience: 'banku' });
 * const token = await mintToken(issuer, { sub: 'alice' });
 * await issuer.stop();
 * ```
 */
export async function startLocalIssuer(options: {
  audience: string;
  env?: NodeJS.ProcessEnv;
}): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
  const kid = randomUUID();
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' }],
  });
  const mintSecret = randomBytes(24).toString('base64url');
  let url = '';

  const mint = async (body: unknown): Promise<string> => {
    const request = MintRequest.parse(body);
    const { operatorClaim, operatorValue } = authConfig({
      ...options.env,
      AUTH_ISSUER: url,
      AUTH_AUDIENCE: options.audience,
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = request.operator
      ? { [operatorClaim]: operatorClaim === 'scope' ? operatorValue : [operatorValue] }
      : {};
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(request.issuer ?? url)
      .setAudience(request.audience ?? options.audience)
      .setSubject(request.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + request.expiresInSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      return send(res, 200, jwks, { 'cache-control': 'max-age=300' });
    }
    if (req.method === 'POST' && req.url === '/tokens') {
      if (!secretMatches(req.headers.authorization, mintSecret))
        return send(res, 401, '{"error":"unauthorized"}');
      try {
        const token = await mint(JSON.parse(await readBody(req)));
        return send(res, 200, JSON.stringify({ token }));
      } catch (error) {
        return send(res, 400, JSON.stringify({ error: 'bad_request', message: (error as Error).message }));
      }
    }
    return send(res, 404, '{"error":"not_found"}');
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopping: Promise<void> | undefined;
  return {
    url,
    audience: options.audience,
    mintSecret,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

function secretMatches(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
