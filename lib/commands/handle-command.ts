import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import type { Principal } from '../auth/types.js';
import { mayActOn, mayOpenAccount } from '../domain/ownership.js';
import { encodeEvent } from '../events/codec.js';
import { kafkaHeaders } from '../events/headers.js';
import { requestFingerprint, requestIds } from '../events/ids.js';
import { HttpError, ValidationFailedError, type ValidationIssue } from '../http/errors.js';
import { beforeDeadline } from '../http/deadline.js';
import { readHeader, readHeaderValues, readJsonObjectBody } from '../http/request-body.js';
import { jsonResponse } from '../http/responses.js';
import { ServiceUnavailableError } from '../http/unavailable.js';
import { toValidationIssues } from '../http/zod-issues.js';
import { KafkaUnavailableError } from '../kafka/errors.js';
import { logger } from '../logging/logger.js';
import { requestTraceparent } from '../logging/trace-context.js';
import type { CommandAdmissions } from './admission.js';
import type { CommandRoute } from './command-routes.js';
import { AccountPathParameters, IdempotencyKeyHeader } from './request-schemas.js';

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
  /** The account's owner as the projection shows it now, or undefined while it shows no such account. */
  accountOwner: (accountId: string) => Promise<string | undefined>;
  /** Settles within {@link CommandDependencies.publishTimeoutMs}, acknowledged or not. */
  publish: (message: OutgoingMessage) => Promise<void>;
  /**
   * The publish's own hard deadline. A command starts publishing only while this much time is left
   * before it must answer, so the answer always comes before the function times out.
   */
  publishTimeoutMs: number;
  /**
   * What abandoning a command whose publish was not confirmed may take. A command is admitted only
   * while the publish's and this budget are both left before it must answer.
   */
  abandonTimeoutMs: number;
  topic: string;
  now?: () => Date;
}

/** What the HTTP adapter knows of the request besides the event. */
export interface CommandContext {
  correlationId: string;
  /** Who asks, as the authorizer verified it. */
  principal: Principal;
  /** When the request must be answered by (epoch ms); undefined for a direct call without a deadline. */
  answerBy?: number | undefined;
}

/**
 * Validates a command request, admits it (Idempotency-Key and pending marker), publishes its event and
 * answers 202 once Kafka has it. Bad input answers 400 and changes nothing; an Idempotency-Key reused
 * for another request answers 409. A Redis that does not answer in time answers 503 `redis_unavailable`,
 * and nothing was published. A publish that is not acknowledged answers 503 `kafka_unavailable` with
 * the `transactionId` (see {@link publishNotConfirmed}). Both carry `Retry-After`, and a retry with the
 * same key publishes the same event id, so it takes effect at most once.
 *
 * A principal that may not act on the account answers 403 `{error: "forbidden"}` and changes nothing:
 * an operator always, a customer when the projection already shows another owner. The rule is the
 * projector's own (`lib/domain/ownership.ts`), which decides `forbidden` for whatever gets past here
 * (an account still being opened, say).
 *
 * @example
 * ```ts
 * export const handler = (event) => handleCommand(depositRoute, event, dependencies, { correlationId });
 * ```
 */
export async function handleCommand<Schema extends z.ZodType>(
  route: CommandRoute<Schema>,
  request: Pick<
    APIGatewayProxyEvent,
    'body' | 'isBase64Encoded' | 'headers' | 'pathParameters' | 'httpMethod'
  > &
    Partial<Pick<APIGatewayProxyEvent, 'multiValueHeaders'>>,
  dependencies: CommandDependencies,
  context: CommandContext,
): Promise<APIGatewayProxyResult> {
  const { principal } = context;
  const { accountId, body, idempotencyKey } = parseRequest(route, request);
  // Admission (and the early ownership check before it) must end while the publish still has its whole
  // budget, and the abandonment after a publish that is not confirmed its own: past that point the
  // command is refused before anything reaches the log.
  const admitBy =
    context.answerBy === undefined
      ? undefined
      : context.answerBy - dependencies.publishTimeoutMs - dependencies.abandonTimeoutMs;
  await refuseEarly(principal, accountId, dependencies, admitBy);
  const fingerprint = requestFingerprint({
    method: request.httpMethod || 'POST',
    path: `/${route.name}/${accountId ?? ''}`,
    body,
    principal: principal.subject,
  });
  const ids = requestIds({ idempotencyKey, fingerprint });
  const occurredAt = (dependencies.now?.() ?? new Date()).toISOString();
  const event = route.toEvent({
    body,
    accountId,
    ids,
    principal,
    occurredAt,
    metadata: { correlationId: context.correlationId, causationId: null, idempotencyKey },
  });

  const admission = await beforeDeadline(
    dependencies.admissions().then((admissions) =>
      admissions.admit({
        idempotencyKey,
        fingerprint,
        pending: {
          transactionId: ids.transactionId,
          type: route.type,
          accountId: event.accountId,
          initiator: principal.subject,
          at: occurredAt,
        },
      }),
    ),
    admitBy,
  ).catch((error: unknown) => {
    logger.warn('command admission failed', { transactionId: ids.transactionId, error: error as Error });
    throw new ServiceUnavailableError(
      'redis_unavailable',
      'the command store did not answer in time; nothing was published, retry later',
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
    .catch((error: unknown) =>
      publishNotConfirmed(error, ids.transactionId, admissionsOf(dependencies), context.answerBy),
    );
  return jsonResponse(202, route.answer(event));
}

async function refuseEarly(
  principal: Principal,
  accountId: string | undefined,
  dependencies: CommandDependencies,
  answerBy: number | undefined,
): Promise<void> {
  if (accountId === undefined) {
    if (!mayOpenAccount(principal)) throw forbidden('operators read accounts; they do not open them');
    return;
  }
  if (principal.kind !== 'customer') throw forbidden('operators read accounts; they do not move money');
  const owner = await beforeDeadline(dependencies.accountOwner(accountId), answerBy).catch(
    (error: unknown) => {
      logger.warn('account owner read failed', { error: error as Error });
      throw new ServiceUnavailableError(
        'redis_unavailable',
        'the projection did not answer in time; nothing was published, retry later',
        1,
      );
    },
  );
  if (owner !== undefined && !mayActOn(principal, { owner }))
    throw forbidden('only the owner of this account may move money from or into it');
}

function forbidden(message: string): HttpError {
  return new HttpError(403, { error: 'forbidden', message });
}

/**
 * The one place a command learns that its publish was not acknowledged. Kafka may still have appended
 * the record (an acknowledgement lost on the way back), so a 503 alone could hide a command that takes
 * effect. The command therefore marks its transaction abandoned first: the projector then rejects the
 * request as `abandoned` if it ever reaches it, so the 503 means nothing will happen. If the projector
 * already decided it, the record did land: the command answers 202 like any accepted command. If even
 * the mark cannot be written in time, the outcome is unknown and the answer says so (504
 * `outcome_unknown`, never a 503). Errors that are not an outage (a rejected publish) go on to the 500
 * path. Every answer carries the `transactionId`, which `GET /transactions/{id}` confirms.
 */
async function publishNotConfirmed(
  error: unknown,
  transactionId: string,
  admissions: () => Promise<CommandAdmissions>,
  answerBy: number | undefined,
): Promise<void> {
  if (!(error instanceof KafkaUnavailableError)) throw error;
  logger.warn('publish not confirmed', { transactionId, error });
  const fate = await beforeDeadline(
    admissions().then((store) => store.abandon(transactionId)),
    answerBy,
  ).catch((abandonFailed: unknown) => {
    logger.error('publish not confirmed and the transaction could not be abandoned', {
      transactionId,
      error: abandonFailed as Error,
    });
    throw new HttpError(504, {
      error: 'outcome_unknown',
      message:
        'the event log did not acknowledge the command and it could not be cancelled in time; it may still take effect: look it up by transactionId before retrying',
      transactionId,
    });
  });
  if (fate === 'decided') return; // it reached the log and was decided: an accepted command
  throw new ServiceUnavailableError(
    'kafka_unavailable',
    'the event log did not acknowledge the command, so it was cancelled and will never take effect; retry later (with the same Idempotency-Key, the retry takes its place)',
    error.retryAfterSeconds,
    { transactionId },
  );
}

const admissionsOf = (dependencies: CommandDependencies) => () => dependencies.admissions();

function parseRequest<Schema extends z.ZodType>(
  route: CommandRoute<Schema>,
  request: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers' | 'pathParameters'> &
    Partial<Pick<APIGatewayProxyEvent, 'multiValueHeaders'>>,
) {
  const issues: ValidationIssue[] = [];
  let accountId: string | undefined;
  if (route.hasAccountPath) {
    const path = AccountPathParameters.safeParse(request.pathParameters ?? {});
    if (path.success) accountId = path.data.id.toLowerCase();
    else issues.push(...toValidationIssues('path', path.error));
  }

  let idempotencyKey: string | null = null;
  const keys = readHeaderValues(request, 'Idempotency-Key');
  if (keys.length > 1) {
    issues.push({
      path: 'headers.Idempotency-Key',
      message: `must be sent once; the request carried it ${keys.length} times`,
    });
  } else if (keys[0] !== undefined) {
    const key = IdempotencyKeyHeader.safeParse(keys[0]);
    if (key.success) idempotencyKey = key.data;
    else {
      const [issue] = key.error.issues;
      const reason = issue?.code === 'invalid_format' ? issue.message : 'must be 1 to 255 characters';
      issues.push({ path: 'headers.Idempotency-Key', message: reason });
    }
  }

  const parsed = route.body.safeParse(readJsonObjectBody(request));
  if (!parsed.success) issues.push(...toValidationIssues('body', parsed.error));
  else issues.push(...(route.check?.({ accountId, body: parsed.data }) ?? []));

  if (issues.length > 0 || !parsed.success) throw new ValidationFailedError(issues);
  return { accountId, body: parsed.data as z.output<Schema>, idempotencyKey };
}
