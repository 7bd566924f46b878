import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { encodeEvent } from '../events/codec.js';
import { kafkaHeaders } from '../events/headers.js';
import { requestFingerprint, requestIds } from '../events/ids.js';
import { IdempotencyKey } from '../events/primitives.js';
import { HttpError, ValidationFailedError, type ValidationIssue } from '../http/errors.js';
import { readHeader, readJsonObjectBody } from '../http/request-body.js';
import { jsonResponse } from '../http/responses.js';
import { ServiceUnavailableError } from '../http/unavailable.js';
import { toValidationIssues } from '../http/zod-issues.js';
import { KafkaUnavailableError } from '../kafka/errors.js';
import { logger } from '../logging/logger.js';
import { requestTraceparent } from '../logging/trace-context.js';
import type { CommandAdmissions } from './admission.js';
import type { CommandRoute } from './command-routes.js';
import { AccountPathParameters } from './request-schemas.js';

/** A record to append to the log, acknowledged by all in-sync replicas before the promise resolves. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** What a command needs from the outside world; the Lambda wires the real ones, tests may wire others. */
export interface CommandDependencies {
  admissions: () => Promise<CommandAdmissions>;
  publish: (message: OutgoingMessage) => Promise<void>;
  topic: string;
  now?: () => Date;
}

/**
 * Validates a command request, admits it (Idempotency-Key and pending marker), publishes its event and
 * answers 202 once Kafka has it. Bad input answers 400 and changes nothing; an Idempotency-Key reused
 * for another request answers 409; a broker or Redis that cannot be reached answers 503 with
 * `Retry-After`, and a retry with the same key then publishes the same event id, so it takes effect
 * exactly once.
 *
 * @example
 * ```ts
 * export const handler = (event) => handleCommand(depositRoute, event, dependencies);
 * ```
 */
export async function handleCommand<Schema extends z.ZodType>(
  route: CommandRoute<Schema>,
  request: Pick<
    APIGatewayProxyEvent,
    'body' | 'isBase64Encoded' | 'headers' | 'pathParameters' | 'httpMethod'
  >,
  dependencies: CommandDependencies,
  correlationId: string,
): Promise<APIGatewayProxyResult> {
  const { accountId, body, idempotencyKey } = parseRequest(route, request);
  const fingerprint = requestFingerprint({
    method: request.httpMethod || 'POST',
    path: `/${route.name}/${accountId ?? ''}`,
    body,
  });
  const ids = requestIds({ idempotencyKey, fingerprint });
  const occurredAt = (dependencies.now?.() ?? new Date()).toISOString();
  const event = route.toEvent({
    body,
    accountId,
    ids,
    occurredAt,
    metadata: { correlationId, causationId: null, idempotencyKey },
  });

  const admission = await dependencies
    .admissions()
    .then((admissions) =>
      admissions.admit({
        idempotencyKey,
        fingerprint,
        pending: {
          transactionId: ids.transactionId,
          type: route.type,
          accountId: event.accountId,
          at: occurredAt,
        },
      }),
    )
    .catch((error: unknown) => {
      logger.warn('command admission failed', { error: error as Error });
      throw new ServiceUnavailableError(
        'redis_unavailable',
        'the command store did not answer; retry later',
        1,
      );
    });
  if (admission === 'conflict') {
    throw new HttpError(409, {
      error: 'idempotency_key_reused',
      message:
        'this Idempotency-Key was already used for a different request; use a new key for a new request',
    });
  }

  // A replay publishes again: the first attempt may have failed after the claim. The event id is the
  // same, so the projector applies it once however many copies reach the log.
  await dependencies
    .publish({
      topic: dependencies.topic,
      key: event.accountId,
      value: encodeEvent(event),
      headers: kafkaHeaders(event, {
        traceparent: requestTraceparent(readHeader(request.headers, 'traceparent')) ?? null,
      }),
    })
    .catch((error: unknown) => {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      logger.warn('publish failed', { error });
      throw new ServiceUnavailableError(
        'kafka_unavailable',
        'the event log did not acknowledge the command; retry with the same Idempotency-Key',
        error.retryAfterSeconds,
      );
    });
  return jsonResponse(202, route.answer(event));
}

function parseRequest<Schema extends z.ZodType>(
  route: CommandRoute<Schema>,
  request: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers' | 'pathParameters'>,
) {
  const issues: ValidationIssue[] = [];
  let accountId: string | undefined;
  if (route.hasAccountPath) {
    const path = AccountPathParameters.safeParse(request.pathParameters ?? {});
    if (path.success) accountId = path.data.id.toLowerCase();
    else issues.push(...toValidationIssues('path', path.error));
  }

  let idempotencyKey: string | null = null;
  const rawKey = readHeader(request.headers, 'Idempotency-Key');
  if (rawKey !== undefined) {
    const key = IdempotencyKey.safeParse(rawKey);
    if (key.success) idempotencyKey = key.data;
    else issues.push({ path: 'headers.Idempotency-Key', message: 'must be 1 to 255 characters' });
  }

  const parsed = route.body.safeParse(readJsonObjectBody(request));
  if (!parsed.success) issues.push(...toValidationIssues('body', parsed.error));
  else issues.push(...(route.check?.({ accountId, body: parsed.data }) ?? []));

  if (issues.length > 0 || !parsed.success) throw new ValidationFailedError(issues);
  return { accountId, body: parsed.data as z.output<Schema>, idempotencyKey };
}
