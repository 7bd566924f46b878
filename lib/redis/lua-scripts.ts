import abandonTransaction from '../commands/abandon-transaction.lua';
import applyBatch from '../projection/apply-batch.lua';
import readBatchState from '../projection/read-batch-state.lua';
import switchNamespace from '../projection/switch-namespace.lua';

/**
 * Every Lua script Banku runs, by name: the one module that loads the `.lua` files (each lives next to
 * the code that calls it). The scripts are hand-written because no client library makes these steps
 * atomic; they hold no business rules, only the guards that keep a write from landing on a state other
 * than the one it was decided on.
 *
 * Conventions every script keeps: every key it touches arrives in `KEYS` (built by the one module that
 * names keys), so Upstash can lock exactly those keys and a Redis Cluster could route them; its one
 * argument, `ARGV[1]`, is a JSON object of named fields that refer to keys by their index in `KEYS`;
 * numbers travel as strings (Lua's doubles are exact only to 2^53).
 *
 * @example
 * ```ts
 * const script = redis.createScript<string>(LUA_SCRIPTS.applyBatch);
 * ```
 */
export const LUA_SCRIPTS = { abandonTransaction, applyBatch, readBatchState, switchNamespace } as const;

/** The name of one script. */
export type LuaScriptName = keyof typeof LUA_SCRIPTS;
