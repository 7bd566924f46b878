import type { VerifiedToken } from './types.js';

/**
 * Tokens this container has verified, each kept until its own `exp` and never longer, so a warm
 * authorizer answers a repeated token without a signature check. Bounded: past `maxEntries` the
 * oldest entry goes (a Map iterates in insertion order).
 *
 * API Gateway's own authorizer cache has one TTL for every token; this one follows each token's
 * lifetime, and the handlers refuse a cached policy once its token has expired.
 *
 * @example
 * ```ts
 * const cached = cache.get(token, Date.now()) ?? cache.put(token, await verify(token));
 * ```
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, VerifiedToken>();

  constructor(private readonly maxEntries = 1_000) {}

  /** The verified token, if it was verified here and has not expired at `nowMs`. */
  get(token: string, nowMs: number): VerifiedToken | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAt * 1000 <= nowMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  put(token: string, verified: VerifiedToken): VerifiedToken {
    this.#entries.delete(token);
    this.#entries.set(token, verified);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return verified;
  }

  get size(): number {
    return this.#entries.size;
  }
}
