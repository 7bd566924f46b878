import { luaJson } from './lua-json.js';

/**
 * The arguments of one Lua script call: every key it touches, once each, numbered as Lua sees them in
 * `KEYS` (from 1); and values for `ARGV`, numbered as Lua sees them, after `ARGV[1]`, which is the
 * script's plan. The plan (named fields, as JSON) refers to keys and values by these numbers, so the
 * values reach Redis as they are: never escaped into the plan's JSON, never decoded by Lua's cjson.
 *
 * @example
 * ```ts
 * const args = new ScriptArgs();
 * const plan = { key: args.key('banku:ns:main:tx:1'), ...args.values(['status', 'applied']) };
 * await script.exec(args.keys, args.argv(plan));
 * ```
 */
export class ScriptArgs {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #values: string[] = [];

  /** The number of `key` in `KEYS`, added if new. */
  key(key: string): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length;
      this.#index.set(key, index);
    }
    return index;
  }

  /** Appends values to `ARGV`; `{from, to}` numbers them, inclusive (`to < from` when there are none). */
  values(values: readonly string[]): { from: number; to: number } {
    // ARGV[1] is the plan: the first value is ARGV[2].
    const from = this.#values.length + 2;
    for (const value of values) this.#values.push(value);
    return { from, to: this.#values.length + 1 };
  }

  /** `ARGV` for the call: the plan as JSON that Lua's cjson always reads (see `luaJson`), then the values. */
  argv(plan: unknown): string[] {
    return [luaJson(plan), ...this.#values];
  }
}
