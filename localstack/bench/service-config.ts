import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './processes.js';

/** What the bench reads from serverless.yml. */
export interface ServiceConfig {
  /** The offline MSK plugin is in `plugins:`, so serverless-offline runs the projector's mapping. */
  offlineMskWired: boolean;
  /** The projector's `msk` event settings. */
  projectorBatchSize: number;
  projectorWindowSeconds: number;
}

/**
 * Reads serverless.yml for the bench: whether serverless-offline drives the projector (the offline MSK
 * plugin is listed) and the projector mapping's batch size and batching window (AWS's defaults, 100
 * and 0.5 s for Kafka, when absent).
 *
 * @example
 * ```ts
 * const { offlineMskWired, projectorWindowSeconds } = readServiceConfig();
 * ```
 */
export function readServiceConfig(): ServiceConfig {
  const service = parse(readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8')) as {
    plugins?: string[] | { modules?: string[] };
    functions?: Record<string, { events?: Record<string, unknown>[] }>;
  };
  const plugins = Array.isArray(service.plugins) ? service.plugins : (service.plugins?.modules ?? []);
  let msk: { batchSize?: unknown; maximumBatchingWindow?: unknown } | undefined;
  for (const definition of Object.values(service.functions ?? {})) {
    for (const event of definition.events ?? []) {
      if (event && typeof event === 'object' && 'msk' in event) msk ??= event.msk as typeof msk;
    }
  }
  return {
    offlineMskWired: plugins.some((plugin) => /offline-msk/.test(String(plugin))),
    projectorBatchSize: typeof msk?.batchSize === 'number' ? msk.batchSize : 100,
    projectorWindowSeconds: typeof msk?.maximumBatchingWindow === 'number' ? msk.maximumBatchingWindow : 0.5,
  };
}
