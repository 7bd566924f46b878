import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '../redis/redact-url.js';
import { isBlocking, refusalOf } from './command-policy.js';
import { UpstashRequestError, UpstashStartError } from './errors.js';
import type { CommandOutcome, RedisCommand, RedisReply } from './types.js';

// The replies must reach the encoder as Redis sent them: RESP2 (the shape Upstash answers in), strings
// as Buffers (binary-safe) and integers as digits (exact past 2^53). A request fails fast when Redis is
// away rather than waiting through ioredis' default 20 reconnections.
const CONNECTION_OPTIONS: RedisOptions = {
  protocol: 2,
  stringNumbers: true,
  lazyConnect: true,
  maxRetriesPerRequest: 1,
  connectionName: 'banku-local-upstash',
};

/** A connection of its own for one request or one event stream, closed by `release()`. */
export interface DedicatedConnection {
  readonly connection: Redis;
  release(): void;
}

/**
 * Runs Upstash requests on one shared ioredis connection: a request's commands are written in one go
 * and answered in order, so concurrent requests never interleave inside a transaction. A request
 * holding a blocking command (BLPOP, XREAD BLOCK...) gets a short-lived connection of its own instead.
 *
 * Redis errors become `{ error }` outcomes; anything else (Redis gone, connection lost) is thrown.
 *
 * @example
 * ```ts
 * const runner = await CommandRunner.connect('redis://127.0.0.1:6379');
 * await runner.single({ name: 'PING', args: [] }); // { reply: <Buffer 50 4f 4e 47> }
 * await runner.close();
 * ```
 */
export class CommandRunner {
  private readonly dedicated = new Set<Redis>();

  private constructor(private readonly shared: Redis) {}

  /**
   * Connects to Redis, failing with {@link UpstashStartError} when it does not answer.
   *
   * @example
   * ```ts
   * const runner = await CommandRunner.connect(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
   * ```
   */
  static async connect(redisUrl: string): Promise<CommandRunner> {
    const shared = new Redis(redisUrl, CONNECTION_OPTIONS);
    // Errors reach the requests that meet them; without a listener ioredis would also print each one.
    // The first one says best why a connection failed (`connect()` itself only says it closed).
    let connectionError: unknown;
    shared.on('error', (error: unknown) => {
      connectionError ??= error;
    });
    try {
      await shared.connect();
    } catch (error) {
      shared.disconnect();
      const cause = connectionError ?? error;
      throw new UpstashStartError(`Cannot connect to Redis at ${redactUrl(redisUrl)}: ${messageOf(cause)}`, {
        cause,
      });
    }
    return new CommandRunner(shared);
  }

  /**
   * Runs one command (`POST /`).
   *
   * @example
   * ```ts
   * await runner.single({ name: 'INCR', args: ['not-a-number'] }); // { error: 'ERR value is not an integer or out of range' }
   * ```
   */
  async single(command: RedisCommand): Promise<CommandOutcome> {
    const refusal = refusalOf(command);
    if (refusal) return { error: refusal };
    if (!isBlocking(command)) return send(this.shared, command);
    const own = await this.openDedicated();
    try {
      return await send(own.connection, command);
    } finally {
      own.release();
    }
  }

  /**
   * Runs a pipeline (`POST /pipeline`): every command, in order, each with its own outcome. A refused
   * command gets an `{ error }` in its place while the others run.
   *
   * @example
   * ```ts
   * await runner.pipeline([{ name: 'SET', args: ['k', 'v'] }, { name: 'GET', args: ['k'] }]);
   * ```
   */
  async pipeline(commands: readonly RedisCommand[]): Promise<CommandOutcome[]> {
    const outcomes: CommandOutcome[] = new Array(commands.length);
    const runnable: number[] = [];
    let blocking = false;
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i] as RedisCommand;
      const refusal = refusalOf(command);
      if (refusal) {
        outcomes[i] = { error: refusal };
      } else {
        runnable.push(i);
        blocking ||= isBlocking(command);
      }
    }
    if (runnable.length === 0) return outcomes;
    const own = blocking ? await this.openDedicated() : undefined;
    try {
      const batch = (own?.connection ?? this.shared).pipeline();
      for (const i of runnable) {
        const { name, args } = commands[i] as RedisCommand;
        batch.callBuffer(name, args);
      }
      const results = await batch.exec();
      for (let j = 0; j < runnable.length; j++) {
        outcomes[runnable[j] as number] = toOutcome(results?.[j]);
      }
      return outcomes;
    } finally {
      own?.release();
    }
  }

  /**
   * Runs a transaction (`POST /multi-exec`) as MULTI ... EXEC, written in one go on the shared
   * connection. A command Redis rejects while queueing (unknown command, wrong arity) or the endpoint
   * refuses discards the whole transaction, answered as a 400 {@link UpstashRequestError}; errors while
   * executing are per-command outcomes, and the other commands stay applied, as in Redis.
   *
   * @example
   * ```ts
   * await runner.transaction([{ name: 'INCR', args: ['n'] }, { name: 'INCR', args: ['n'] }]);
   * ```
   */
  async transaction(commands: readonly RedisCommand[]): Promise<CommandOutcome[]> {
    for (const command of commands) {
      const refusal = refusalOf(command);
      if (refusal) {
        throw new UpstashRequestError(400, `EXECABORT Transaction discarded because of: ${refusal}`);
      }
    }
    const batch = this.shared.multi();
    for (const { name, args } of commands) batch.callBuffer(name, args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await batch.exec();
    } catch (error) {
      if (!isReplyError(error)) throw error;
      const previous = (error as Error & { previousErrors?: Error[] }).previousErrors ?? [];
      const causes = previous.map((e) => e.message.trim()).join('; ');
      throw new UpstashRequestError(400, causes ? `${error.message.trim()} ${causes}` : error.message);
    }
    if (!results) throw new Error('EXEC answered nil: the transaction was aborted');
    return results.map(toOutcome);
  }

  /**
   * A connection of its own, e.g. for an event stream's subscriptions; closed by `release()` or by
   * {@link CommandRunner.close}.
   *
   * @example
   * ```ts
   * const own = await runner.openDedicated();
   * await own.connection.subscribe('news');
   * own.release();
   * ```
   */
  async openDedicated(): Promise<DedicatedConnection> {
    const connection = this.shared.duplicate();
    connection.on('error', () => undefined);
    this.dedicated.add(connection);
    const release = () => {
      if (this.dedicated.delete(connection)) connection.disconnect();
    };
    try {
      await connection.connect();
    } catch (error) {
      release();
      throw error;
    }
    return { connection, release };
  }

  /**
   * Closes the shared connection (after the replies already asked for) and every dedicated one.
   *
   * @example
   * ```ts
   * await runner.close();
   * ```
   */
  async close(): Promise<void> {
    for (const connection of this.dedicated) connection.disconnect();
    this.dedicated.clear();
    try {
      await this.shared.quit();
    } catch {
      this.shared.disconnect();
    }
  }
}

async function send(connection: Redis, { name, args }: RedisCommand): Promise<CommandOutcome> {
  try {
    return { reply: (await connection.callBuffer(name, args)) as RedisReply };
  } catch (error) {
    if (isReplyError(error)) return { error: error.message };
    throw error;
  }
}

function toOutcome(result: [Error | null, unknown] | undefined): CommandOutcome {
  if (!result) throw new Error('Redis sent fewer replies than commands');
  const [error, reply] = result;
  if (!error) return { reply: reply as RedisReply };
  if (isReplyError(error)) return { error: error.message };
  throw error;
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
