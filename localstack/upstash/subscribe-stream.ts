import type { ServerResponse } from 'node:http';
import type { CommandRunner } from './command-runner.js';
import { UpstashRequestError } from './errors.js';

/** `subscribe` for channels, `psubscribe` for patterns. */
export type SubscriptionKind = 'subscribe' | 'psubscribe';

/**
 * Serves `POST /subscribe/<channel>` and `POST /psubscribe/<pattern>`, the routes @upstash/redis
 * uses for `redis.subscribe()` / `redis.psubscribe()`: a server-sent event stream on a Redis
 * connection of its own, one event per line as the client parses them:
 * `data: subscribe,<channel>,<count>`, `data: message,<channel>,<message>` and
 * `data: pmessage,<pattern>,<channel>,<message>`. Messages go out as UTF-8 text, not base64; the
 * client does not decode them. The stream, and its connection, end when the client aborts.
 *
 * @example
 * ```ts
 * if (pathname.startsWith('/subscribe/')) return streamSubscription(res, runner, 'subscribe', ['news']);
 * ```
 */
export async function streamSubscription(
  res: ServerResponse,
  runner: CommandRunner,
  kind: SubscriptionKind,
  targets: readonly string[],
): Promise<void> {
  if (targets.length === 0 || targets.some((t) => t.length === 0)) {
    throw new UpstashRequestError(
      400,
      `ERR ${kind} needs at least one ${kind === 'subscribe' ? 'channel' : 'pattern'}`,
    );
  }
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const own = await runner.openDedicated();
  if (closed) {
    own.release();
    return;
  }
  res.once('close', own.release);
  const { connection } = own;
  // Messages can arrive in the same read as the subscription's confirmation, before this function
  // resumes; they wait so that the stream starts with its confirmation events.
  let waiting: string[] | undefined = [];
  const send = (event: string) => {
    if (waiting) waiting.push(event);
    else res.write(event);
  };
  connection.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    send(`data: message,${channel},${message}\n\n`);
  });
  connection.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => {
    send(`data: pmessage,${pattern},${channel},${message}\n\n`);
  });
  try {
    if (kind === 'subscribe') await connection.subscribe(...targets);
    else await connection.psubscribe(...targets);
  } catch (error) {
    own.release();
    if (closed) return;
    throw error;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // A fresh connection counts its subscriptions from one, as Redis's own confirmations would.
  let events = '';
  targets.forEach((target, i) => {
    events += `data: ${kind},${target},${i + 1}\n\n`;
  });
  res.write(events + waiting.join(''));
  waiting = undefined;
}
