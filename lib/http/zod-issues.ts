import type { z } from 'zod';
import type { ValidationIssue } from './errors.js';

/**
 * Turns zod's issues into the API's `{path, message}` details, prefixing the part of the request
 * they came from (`body`, `path`, `query`).
 *
 * @example
 * ```ts
 * const result = schema.safeParse(body);
 * if (!result.success) throw new ValidationFailedError(toValidationIssues('body', result.error));
 * ```
 */
export function toValidationIssues(part: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    if (unknownKeys.length > 0) {
      return {
        path: [part, ...issue.path].join('.'),
        message: `unknown field(s): ${unknownKeys.join(', ')}`,
      };
    }
    return { path: [part, ...issue.path.map(String)].join('.'), message: issue.message };
  });
}
