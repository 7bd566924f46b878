import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { requestPrincipal } from '../auth/principal-context.js';
import type { Principal } from '../auth/types.js';
import { logger, runWithCorrelationId } from '../logging/logger.js';
import { RedisUnavailableError } from '../redis/errors.js';
import { answerDeadline } from './deadline.js';
import { HttpError } from './errors.js';
import { readHeader } from './request-body.js';
import { redisUnavailable } from './unavailable.js';
import { jsonResponse } from './responses.js';

/** What every HTTP handler body receives besides the event. */
export interface RequestContext {
  /** `x-correlation-id` when the caller sent one, else API Gateway's request id. */
  correlationId: string;
  /** When the request must be answered by (epoch ms), see `answerDeadline`; undefined outside Lambda. */
  answerBy: number | undefined;
  /** Who is calling, as the authorizer verified it; a request without one was answered 401. */
  principal: Principal;
}

/**
 * Wraps a route's logic as an API Gateway proxy handler: sets the correlation id on the logs, requires
 * the principal the authorizer established (401 otherwise), answers an {@link HttpError} with its own status and body, a Redis that did not answer with 503
 * `redis_unavailable`, and anything else with a 500 that leaks nothing. Bodies are never logged.
 *
 * @example
 * ```ts
 * export const handler = httpHandler('get-account', async (event) => jsonResponse(200, await load(event)));
 * ```
 */
export function httpHandler(
  route: string,
  handle: (event: APIGatewayProxyEvent, context: RequestContext) => Promise<APIGatewayProxyResult>,
) {
  const respond = async (
    event: APIGatewayProxyEvent,
    { correlationId, answerBy }: Omit<RequestContext, 'principal'>,
  ): Promise<APIGatewayProxyResult> => {
    const started = performance.now();
    try {
      const principal = requestPrincipal(event);
      const response = await handle(event, { correlationId, answerBy, principal });
      logger.info('request handled', {
        route,
        principal: principal.subject,
        status: response.statusCode,
        ms: elapsed(started),
      });
      return withCorrelationId(response, correlationId);
    } catch (error) {
      if (error instanceof RedisUnavailableError) {
        logger.warn('request refused', { route, status: 503, ms: elapsed(started), error });
        return withCorrelationId(redisUnavailable().toResponse(), correlationId);
      }
      if (error instanceof HttpError) {
        const level = error.statusCode >= 500 ? 'warn' : 'info';
        logger[level]('request refused', { route, status: error.statusCode, error: error.body.error });
        return withCorrelationId(error.toResponse(), correlationId);
      }
      logger.error('request failed', { route, ms: elapsed(started), error: error as Error });
      return withCorrelationId(
        jsonResponse(500, { error: 'internal_error', message: `quote correlation id ${correlationId}` }),
        correlationId,
      );
    }
  };
  return async (event: APIGatewayProxyEvent, lambdaContext?: Context): Promise<APIGatewayProxyResult> => {
    const answerBy = answerDeadline(lambdaContext);
    const correlationId =
      readHeader(event.headers, 'x-correlation-id')?.slice(0, 255) ||
      event.requestContext?.requestId ||
      randomUUID();
    return runWithCorrelationId(correlationId, () => respond(event, { correlationId, answerBy }));
  };
}

function withCorrelationId(response: APIGatewayProxyResult, correlationId: string): APIGatewayProxyResult {
  return { ...response, headers: { ...response.headers, 'x-correlation-id': correlationId } };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
