import { CommandAdmissions } from '../commands/admission.js';
import { keyPrefix } from '../config/env.js';
import { ProjectionStore } from '../projection/store.js';
import { redisClient } from '../redis/client.js';

/** What a read route needs: the projection, the namespace to read, and the write side's pending markers. */
export interface QueryContext {
  store: ProjectionStore;
  namespace: string;
  admissions: CommandAdmissions;
}

// A rebuild's switch reaches warm readers within this long; saves one Redis round trip per read.
const NAMESPACE_CACHE_MS = 2_000;
let cached: { namespace: string; until: number } | undefined;
let shared: Promise<{ store: ProjectionStore; admissions: CommandAdmissions }> | undefined;

/**
 * The container's query context. `PROJECTION_NAMESPACE` pins the namespace (to read a point-in-time
 * rebuild); otherwise the one the pointer names is used.
 *
 * @example
 * ```ts
 * const { store, namespace } = await queryContext();
 * const account = await store.getAccount(namespace, accountId);
 * ```
 */
export async function queryContext(env: NodeJS.ProcessEnv = process.env): Promise<QueryContext> {
  shared ??= redisClient(env).then((redis) => ({
    store: new ProjectionStore(redis, keyPrefix(env)),
    admissions: new CommandAdmissions(redis, keyPrefix(env)),
  }));
  shared.catch(() => {
    shared = undefined;
  });
  const { store, admissions } = await shared;
  const pinned = env.PROJECTION_NAMESPACE?.trim();
  if (pinned) return { store, admissions, namespace: pinned };
  if (!cached || cached.until < Date.now()) {
    cached = { namespace: await store.currentNamespace(), until: Date.now() + NAMESPACE_CACHE_MS };
  }
  return { store, admissions, namespace: cached.namespace };
}
