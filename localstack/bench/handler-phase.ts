/**
 * Bench phase 3b, in a process of its own: the deposit Lambda handler (`functions/deposit.ts`) called
 * directly, one request at a time as one warm Lambda container serves them, with the stack's
 * environment. What the command path costs without serverless-offline in front (hapi, a worker thread
 * per container, JSON between them), which API Gateway and Lambda replace on AWS.
 *
 * Prints `BENCH_RESULT <json>` ({@link HandlerPhaseResult}) as its last line.
 * Usage: `node --import tsx localstack/bench/handler-phase.ts '{"requests":500,"warmup":50}'`.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { handler } from '../../functions/deposit.js';
import { profiled } from './section-profile.js';
import { atConcurrency, type LatencySummary, summarise } from './stats.js';
import { BENCH_HOLDER } from './workload.js';

/** The handler's latency and its CPU per request. */
export interface HandlerPhaseResult {
  requests: number;
  latency: LatencySummary;
  cpuMsPerRequest: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as { requests: number; warmup: number };
const accounts = Array.from({ length: 200 }, () => randomUUID());
const tokenExpiresAt = Math.floor(Date.now() / 1000) + 24 * 3600;

const request = (index: number): APIGatewayProxyEvent => {
  const id = accounts[index % accounts.length] as string;
  return {
    httpMethod: 'POST',
    path: `/accounts/${id}/deposits`,
    resource: '/accounts/{id}/deposits',
    pathParameters: { id },
    headers: { 'content-type': 'application/json', 'x-api-key': 'bench' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: JSON.stringify({ amount: 100 + (index % 900) }),
    isBase64Encoded: false,
    // What the authorizer hands on for a verified customer token (lib/auth/principal-context.ts).
    requestContext: {
      requestId: randomUUID(),
      authorizer: { principalId: BENCH_HOLDER.subject, kind: 'customer', expiresAt: String(tokenExpiresAt) },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
};

const call = async (index: number) => {
  const response = await handler(request(index));
  if (response.statusCode !== 202)
    throw new Error(`deposit answered ${response.statusCode}: ${response.body}`);
};

await atConcurrency(1, config.warmup, (_, i) => call(i));
const cpu = process.cpuUsage();
const latencies = await profiled('handler', () => atConcurrency(1, config.requests, (_, i) => call(i)));
const used = process.cpuUsage(cpu);
const result: HandlerPhaseResult = {
  requests: config.requests,
  latency: summarise(latencies),
  cpuMsPerRequest: Math.round(((used.user + used.system) / 1000 / config.requests) * 100) / 100,
};
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
process.exit(0);
