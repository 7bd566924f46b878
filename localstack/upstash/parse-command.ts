import { UpstashRequestError } from './errors.js';
import type { RedisCommand } from './types.js';

/**
 * Parses a request body as JSON, answering 400 when it is not.
 *
 * @example
 * ```ts
 * parseJsonBody(Buffer.from('["GET","k"]')); // ['GET', 'k']
 * ```
 */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new UpstashRequestError(
      400,
      `ERR the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Turns one JSON command (`["set", "k", 1, true]`) into what goes to Redis: the name upper-cased and
 * every argument a string (`{ name: 'SET', args: ['k', '1', 'true'] }`), as the Upstash REST API does.
 *
 * The upper-cased name also matters to ioredis: it keys its reply transformers (HGETALL to an object,
 * ...) by the lower-case name, so upper case keeps every reply exactly as Redis sent it.
 *
 * @example
 * ```ts
 * toCommand(['hset', 'h', 'n', 1]); // { name: 'HSET', args: ['h', 'n', '1'] }
 * ```
 */
export function toCommand(value: unknown): RedisCommand {
  if (!Array.isArray(value)) {
    throw new UpstashRequestError(
      400,
      'ERR a command is a JSON array of strings, numbers and booleans, e.g. ["SET","key","value"]',
    );
  }
  const name: unknown = value[0];
  if (typeof name !== 'string' || name.length === 0) {
    throw new UpstashRequestError(400, 'ERR a command starts with its name, a non-empty string');
  }
  const args: string[] = new Array(value.length - 1);
  for (let i = 1; i < value.length; i++) args[i - 1] = toArgument(value[i], i, name);
  return { name: name.toUpperCase(), args };
}

/**
 * Parses the body of `/pipeline` or `/multi-exec`: a non-empty JSON array of commands.
 *
 * @example
 * ```ts
 * toCommandList([['set', 'k', 'v'], ['get', 'k']]); // [{ name: 'SET', args: ['k', 'v'] }, { name: 'GET', args: ['k'] }]
 * ```
 */
export function toCommandList(value: unknown): RedisCommand[] {
  if (!Array.isArray(value)) {
    throw new UpstashRequestError(
      400,
      'ERR a pipeline is a JSON array of commands, e.g. [["SET","k","v"],["GET","k"]]',
    );
  }
  if (value.length === 0) throw new UpstashRequestError(400, 'ERR empty pipeline');
  return value.map(toCommand);
}

function toArgument(value: unknown, index: number, commandName: string): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      throw new UpstashRequestError(
        400,
        `ERR argument ${index} of ${commandName} is ${value === null ? 'null' : typeof value}; ` +
          'only strings, numbers and booleans are accepted',
      );
  }
}
