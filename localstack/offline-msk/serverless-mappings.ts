import { PluginConfigError } from './errors.js';
import type { FilterPattern, MappingConfig, RetrySettings, StartingPosition } from './types.js';

/**
 * The part of a Serverless Framework service the plugin reads (osls 4 / Serverless 3-4 shapes).
 *
 * @example
 * const service: ServiceLike = serverless.service;
 */
export interface ServiceLike {
  service?: string | { name?: string };
  provider: { region?: string; stage?: string };
  custom?: Record<string, unknown>;
  getAllFunctions(): string[];
  getFunction(key: string): { name?: string; events?: unknown[] };
}

/**
 * One mapping found in `serverless.yml`, with the brokers to read it from.
 *
 * @example
 * const found: ServiceMapping = { functionKey: 'projectEvents', kind: 'msk', brokers: ['127.0.0.1:9092'], mapping };
 */
export interface ServiceMapping {
  functionKey: string;
  kind: 'msk' | 'kafka';
  brokers: string[];
  mapping: MappingConfig;
}

interface KafkaEventConfig {
  arn?: unknown;
  topic?: unknown;
  bootstrapServers?: unknown;
  batchSize?: number;
  maximumBatchingWindow?: number;
  enabled?: boolean;
  startingPosition?: StartingPosition;
  startingPositionTimestamp?: number;
  consumerGroupId?: string;
  filterPatterns?: FilterPattern[];
}

/**
 * Reads every function's `msk` and `kafka` events. `msk` events read from `brokers` (the plugin's
 * setting or `KAFKA_BROKERS`); `kafka` (self-managed) events from `brokers` too when it is set, else
 * from their own `bootstrapServers`. Authentication settings (`saslScram512`, `accessConfigurations`)
 * do not apply to a local broker and are ignored.
 *
 * @example
 * const mappings = readServiceMappings(serverless.service, ['127.0.0.1:9092'], { backoffBaseMs: 200 });
 */
export function readServiceMappings(
  service: ServiceLike,
  brokers: string[] | undefined,
  retry: RetrySettings | undefined,
): ServiceMapping[] {
  const region = service.provider.region ?? 'us-east-1';
  const found: ServiceMapping[] = [];
  for (const functionKey of service.getAllFunctions()) {
    const definition = service.getFunction(functionKey);
    const functionName = definition.name ?? functionKey;
    for (const event of definition.events ?? []) {
      if (!isObject(event)) continue;
      const kind = 'msk' in event ? 'msk' : 'kafka' in event ? 'kafka' : undefined;
      if (!kind) continue;
      const config = (event as Record<string, unknown>)[kind] as KafkaEventConfig;
      if (typeof config.topic !== 'string' || config.topic === '') {
        throw new PluginConfigError(`${functionKey}: the ${kind} event needs a topic (a string)`);
      }
      const ownServers = kind === 'kafka' ? stringList(config.bootstrapServers) : [];
      const readFrom = brokers?.length ? brokers : ownServers;
      if (readFrom.length === 0) {
        throw new PluginConfigError(
          `${functionKey}: no Kafka brokers for its ${kind} event; set KAFKA_BROKERS or custom.serverless-offline-msk.brokers`,
        );
      }
      found.push({
        functionKey,
        kind,
        brokers: readFrom,
        mapping: {
          functionName,
          topic: config.topic,
          batchSize: config.batchSize,
          maximumBatchingWindow: config.maximumBatchingWindow,
          startingPosition: config.startingPosition,
          startingPositionTimestamp: config.startingPositionTimestamp,
          consumerGroupId: config.consumerGroupId,
          enabled: config.enabled,
          filterPatterns: config.filterPatterns,
          retry,
          ...(kind === 'msk'
            ? {
                eventSource: 'aws:kafka' as const,
                // An ARN given as a CloudFormation reference cannot be resolved offline.
                eventSourceArn:
                  typeof config.arn === 'string'
                    ? config.arn
                    : `arn:aws:kafka:${region}:000000000000:cluster/offline-msk/${config.topic}`,
              }
            : {
                eventSource: 'SelfManagedKafka' as const,
                bootstrapServers: (ownServers.length ? ownServers : readFrom).join(','),
              }),
        },
      });
    }
  }
  return found;
}

/**
 * Parses a broker list given as "host:port,host:port" or as an array.
 *
 * @example
 * stringList('127.0.0.1:9092, 127.0.0.1:9093'); // ['127.0.0.1:9092', '127.0.0.1:9093']
 */
export function stringList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items
    .filter((item): item is string => typeof item === 'string')
    .map((s) => s.trim())
    .filter(Boolean);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
