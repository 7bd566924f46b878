/** Options of `startUpstashEndpoint`. */
export interface UpstashEndpointOptions {
  /** The Redis server behind the endpoint, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** Bearer token clients must send; a random one when omitted. */
  token?: string;
  /** TCP port; `0` (the default) takes any free port, which the returned `url` then carries. */
  port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  host?: string;
  /** Largest request body accepted, in bytes (64 MiB by default); larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * Receives one line per request (method, path, status, milliseconds) and every internal error.
   * Omitted: nothing is logged per request, and internal errors go to `console.error`.
   */
  log?: (line: string) => void;
}

/** A running Upstash-compatible endpoint. */
export interface UpstashEndpoint {
  /** Base URL for `new Redis({ url })`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The bearer token the endpoint accepts. */
  readonly token: string;
  /** Closes the HTTP server, its open connections (event streams included) and the Redis connections. */
  stop(): Promise<void>;
}

/** One Redis command: its upper-cased name, then its arguments exactly as they go on the wire. */
export interface RedisCommand {
  readonly name: string;
  readonly args: (string | Buffer)[];
}

/**
 * A RESP2 reply as ioredis decodes it with buffers kept and numbers as strings: bulk and status
 * strings are `Buffer`s, integers are decimal `string`s, nil is `null`, errors nested in an array are
 * `Error`s.
 */
export type RedisReply = Buffer | string | number | null | Error | RedisReply[];

/** What one command of a request came to: a reply, or the text of a Redis error. */
export type CommandOutcome = { readonly reply: RedisReply } | { readonly error: string };
