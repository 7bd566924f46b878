import type { RedisCommand } from './types.js';

// Commands that would change the state of the one connection every request shares: the database it
// uses, its protocol, its subscriptions, a transaction spanning requests.
const CONNECTION_STATE_COMMANDS = new Set([
  'AUTH',
  'DISCARD',
  'EXEC',
  'HELLO',
  'MONITOR',
  'MULTI',
  'PSYNC',
  'QUIT',
  'RESET',
  'SELECT',
  'SYNC',
  'UNWATCH',
  'WATCH',
]);
const SUBSCRIBE_COMMANDS = new Set([
  'PSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SSUBSCRIBE',
  'SUBSCRIBE',
  'SUNSUBSCRIBE',
  'UNSUBSCRIBE',
]);
const CLIENT_STATE_SUBCOMMANDS = new Set(['REPLY', 'TRACKING']);
const BLOCKING_COMMANDS = new Set([
  'BLMOVE',
  'BLMPOP',
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BZMPOP',
  'BZPOPMAX',
  'BZPOPMIN',
  'WAIT',
  'WAITAOF',
]);

/**
 * Why the endpoint refuses a command, or `undefined` when it runs it. Refused are the commands that
 * would change the shared connection's state (SELECT, MULTI, WATCH, CLIENT REPLY...); MULTI/EXEC goes
 * through `/multi-exec`, and subscriptions through the `/subscribe` event stream, as with Upstash.
 *
 * @example
 * ```ts
 * refusalOf({ name: 'SELECT', args: ['1'] }); // 'ERR SELECT is not available through the local Upstash endpoint: ...'
 * refusalOf({ name: 'GET', args: ['k'] }); // undefined
 * ```
 */
export function refusalOf(command: RedisCommand): string | undefined {
  const { name, args } = command;
  if (SUBSCRIBE_COMMANDS.has(name)) {
    return `ERR ${name} is not available as a command; subscribe through the /subscribe or /psubscribe event stream`;
  }
  const subcommand = typeof args[0] === 'string' ? args[0].toUpperCase() : '';
  if (
    CONNECTION_STATE_COMMANDS.has(name) ||
    (name === 'CLIENT' && CLIENT_STATE_SUBCOMMANDS.has(subcommand))
  ) {
    const what = name === 'CLIENT' ? `CLIENT ${subcommand}` : name;
    return (
      `ERR ${what} is not available through the local Upstash endpoint: it would change the state of ` +
      'the Redis connection all requests share (use /multi-exec for transactions)'
    );
  }
  return undefined;
}

/**
 * Whether a command may block its connection (BLPOP, WAIT, XREAD ... BLOCK ...). The endpoint runs a
 * request holding one on a connection of its own, so that it does not stall every other request.
 *
 * @example
 * ```ts
 * isBlocking({ name: 'BLPOP', args: ['q', '5'] }); // true
 * isBlocking({ name: 'XREAD', args: ['STREAMS', 's', '0'] }); // false
 * ```
 */
export function isBlocking(command: RedisCommand): boolean {
  const { name, args } = command;
  if (BLOCKING_COMMANDS.has(name)) return true;
  if (name !== 'XREAD' && name !== 'XREADGROUP') return false;
  return args.some((arg) => typeof arg === 'string' && arg.toUpperCase() === 'BLOCK');
}
