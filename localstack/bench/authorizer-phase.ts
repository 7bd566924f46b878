/**
 * Bench phase 3c, in a process of its own: the authorizer Lambda handler (`functions/authorizer.ts`)
 * called directly against the stack's local issuer, as one container serves requests:
 * - the first token of a fresh container (the JWKS fetch and the check);
 * - a token it has not seen (a signature check; the keys are cached);
 * - a token it verified before (the container's cache of verified tokens).
 * On AWS, API Gateway's own cache (5 minutes per token) spares most requests even the last of these.
 *
 * Prints `BENCH_RESULT <json>` ({@link AuthorizerPhaseResult}) as its last line.
 * Usage: `node --import tsx localstack/bench/authorizer-phase.ts '{"requests":500}'`.
 */
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { localIssuerFromEnv, mintToken } from '../issuer/mint-client.js';
import { atConcurrency, type LatencySummary, summarise } from './stats.js';

/** The authorizer's latency per kind of token, in ms. */
export interface AuthorizerPhaseResult {
  requests: number;
  /** The first token: JWKS fetch and signature check. */
  firstTokenMs: number;
  newToken: LatencySummary;
  cachedToken: LatencySummary;
}

const config = JSON.parse(process.argv[2] ?? '{}') as { requests: number };
const issuer = localIssuerFromEnv(process.env);
if (!issuer)
  throw new Error('the authorizer phase needs the local stack (AUTH_ISSUER, LOCAL_ISSUER_MINT_SECRET)');
const tokens: string[] = [];
await atConcurrency(8, config.requests + 1, async (_, i) => {
  tokens[i] = await mintToken(issuer, { sub: `bench-${i}` });
});
const event = (token: string): APIGatewayTokenAuthorizerEvent => ({
  type: 'TOKEN',
  methodArn: 'arn:aws:execute-api:us-east-1:000000000000:bench/dev/POST/accounts',
  authorizationToken: `Bearer ${token}`,
});

const timed = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};
const call = (token: string) => handler(event(token)).then(() => undefined);
const round = (ms: number) => Math.round(ms * 100) / 100;

let handler: (event: APIGatewayTokenAuthorizerEvent) => Promise<unknown> = async () => undefined;
// The bundle's cold import is the bundles phase's; here the module is only loaded.
({ handler } = await import('../../functions/authorizer.js'));
const [first, ...rest] = tokens as [string, ...string[]];
const firstTokenMs = await timed(() => handler(event(first)));
const newToken = await atConcurrency(1, rest.length, (_, i) => call(rest[i] as string));
const cachedToken = await atConcurrency(1, config.requests, () => call(first));

const result: AuthorizerPhaseResult = {
  requests: config.requests,
  firstTokenMs: round(firstTokenMs),
  newToken: summarise(newToken),
  cachedToken: summarise(cachedToken),
};
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
process.exit(0);
