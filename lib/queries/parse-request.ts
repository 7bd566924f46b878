import type { z } from 'zod';
import { ValidationFailedError } from '../http/errors.js';
import { toValidationIssues } from '../http/zod-issues.js';

/**
 * Parses one part of a read request (`path`, `query`) or answers 400 `validation_failed`.
 *
 * @example
 * ```ts
 * const { id } = parseRequestPart('path', AccountIdPath, event.pathParameters);
 * ```
 */
export function parseRequestPart<Schema extends z.ZodType>(
  part: 'path' | 'query',
  schema: Schema,
  value: unknown,
): z.output<Schema> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new ValidationFailedError(toValidationIssues(part, result.error));
  return result.data;
}
