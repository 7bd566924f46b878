import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isAuthorized } from './authorize.js';
import type { CommandRunner } from './command-runner.js';
import { encodeError, encodeOutcomes, encodeResult } from './encode-reply.js';
import { UpstashRequestError } from './errors.js';
import { parseJsonBody, toCommand, toCommandList } from './parse-command.js';
import { splitPath, toPathCommand } from './parse-path-command.js';
import { readBody } from './read-body.js';
import { streamSubscription } from './subscribe-stream.js';
import type { CommandOutcome } from './types.js';

/** What the request handler needs from the endpoint. */
export interface RequestContext {
  readonly runner: CommandRunner;
  readonly token: string;
  readonly maxBodyBytes: number;
  readonly log?: (line: string) => void;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT']);

/**
 * The endpoint's HTTP handler, answering as the Upstash REST API does:
 * - `POST /` with `["CMD", ...args]`: `{result}`, or 400 `{error}` when Redis answers an error;
 * - `POST /pipeline` with `[[...], ...]`: 200 with one `{result}` or `{error}` per command;
 * - `POST /multi-exec`: the same, run as one MULTI/EXEC transaction;
 * - `POST /subscribe/<channel>`, `/psubscribe/<pattern>`: a server-sent event stream;
 * - `GET|POST /<cmd>/<arg>/...`: a command written in the URL (see `toPathCommand`).
 *
 * A missing or wrong token gets 401, a body that is not JSON 400, every one as `{error}`.
 * `Upstash-Encoding: base64` selects base64 strings in results (see `encodeResult`).
 *
 * @example
 * ```ts
 * const server = createServer(createRequestHandler({ runner, token, maxBodyBytes: 1 << 26 }));
 * ```
 */
export function createRequestHandler(context: RequestContext): RequestListener {
  const { log } = context;
  return (req, res) => {
    const started = log ? performance.now() : 0;
    // Logged as the answer is written, so that a client that has its answer sees the line too.
    const answer = (status: number, json: string) => {
      respond(res, status, json);
      log?.(`${req.method} ${pathOf(req.url)} ${status} ${(performance.now() - started).toFixed(1)}ms`);
    };
    handle(req, res, context).then(
      (reply) => {
        if (reply) answer(reply.status, reply.json);
        else log?.(`${req.method} ${pathOf(req.url)} ${res.statusCode} event stream`);
      },
      (error: unknown) => {
        if (error instanceof UpstashRequestError) {
          answer(error.status, encodeError(error.message));
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        (log ?? console.error)(`local Upstash endpoint: ${req.method} ${pathOf(req.url)} failed: ${message}`);
        answer(500, encodeError(`ERR ${message}`));
      },
    );
  };
}

/** An answer to write, or `undefined` when the handler streams its own (event streams). */
type Reply = { status: number; json: string } | undefined;

async function handle(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<Reply> {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? undefined : new URLSearchParams(url.slice(queryStart + 1));
  if (!isAuthorized(req.headers, query, context.token)) {
    throw new UpstashRequestError(401, 'Unauthorized: missing or wrong bearer token');
  }
  if (!METHODS.has(req.method ?? '')) {
    throw new UpstashRequestError(405, `ERR method ${req.method} is not allowed; use POST`);
  }
  const base64 = req.headers['upstash-encoding']?.toString().toLowerCase() === 'base64';
  const { runner } = context;

  switch (pathname) {
    case '/': {
      const command = toCommand(parseJsonBody(await readBodyOf(req, context)));
      return replyOf(await runner.single(command), base64);
    }
    case '/pipeline': {
      const commands = toCommandList(parseJsonBody(await readBodyOf(req, context)));
      return { status: 200, json: encodeOutcomes(await runner.pipeline(commands), base64) };
    }
    case '/multi-exec': {
      const commands = toCommandList(parseJsonBody(await readBodyOf(req, context)));
      return { status: 200, json: encodeOutcomes(await runner.transaction(commands), base64) };
    }
  }
  if (pathname.startsWith('/subscribe/') || pathname.startsWith('/psubscribe/')) {
    req.resume();
    const [kind = '', ...targets] = splitPath(pathname);
    await streamSubscription(res, runner, kind === 'subscribe' ? 'subscribe' : 'psubscribe', targets);
    return undefined;
  }
  const body = req.method === 'POST' || req.method === 'PUT' ? await readBodyOf(req, context) : undefined;
  const command = toPathCommand(pathname, query ?? new URLSearchParams(), body);
  return replyOf(await runner.single(command), base64);
}

function readBodyOf(req: IncomingMessage, context: RequestContext): Promise<Buffer> {
  return readBody(req, context.maxBodyBytes);
}

function replyOf(outcome: CommandOutcome, base64: boolean): Reply {
  return 'error' in outcome
    ? { status: 400, json: encodeError(outcome.error) }
    : { status: 200, json: encodeResult(outcome.reply, base64) };
}

function respond(res: ServerResponse, status: number, json: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(status, JSON_HEADERS);
  res.end(json);
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const queryStart = path.indexOf('?');
  return queryStart === -1 ? path : path.slice(0, queryStart);
}
