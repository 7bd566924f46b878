import { rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { lambdaInvoker } from './lambda-invoker.js';
import { type MappingHandle, type StartMappingOptions, startMapping } from './mapping-runner.js';
import { readServiceMappings, type ServiceLike, stringList } from './serverless-mappings.js';
import type { MappingLogger, RetrySettings } from './types.js';

/**
 * The `custom` key the plugin reads its settings from.
 *
 * @example
 * const settings = serverless.service.custom?.[CONFIG_KEY]; // custom.serverless-offline-msk
 */
export const CONFIG_KEY = 'serverless-offline-msk';

/**
 * `custom.serverless-offline-msk` in `serverless.yml`. Every setting is optional.
 *
 * @example
 * const settings: OfflineMskSettings = { brokers: '127.0.0.1:9092', readyFile: '.offline-msk-ready.json' };
 */
export interface OfflineMskSettings {
  /** Brokers to read from: "host:port,…" or a list. Default: the `KAFKA_BROKERS` environment variable. */
  brokers?: string | string[];
  /** Default `http://<serverless-offline host>:<lambdaPort>`. */
  lambdaEndpoint?: string;
  /** Retry policy for every mapping (serverless' `msk`/`kafka` events take no extra keys). */
  retry?: RetrySettings;
  /** kafkajs consumer settings merged over the runner's defaults (maxWaitTimeInMs, sessionTimeout, …). */
  consumer?: StartMappingOptions['consumerSettings'];
  /** kafkajs client settings (connectionTimeout, requestTimeout, retry, ssl, sasl, …). */
  client?: Omit<KafkaConfig, 'brokers'>;
  /** Written (JSON) once every mapping's consumer has joined its group; removed on stop. */
  readyFile?: string;
  /** How long to wait for serverless-offline's Lambda port before starting (default 30 s). */
  lambdaStartTimeoutMs?: number;
  /** Turn the plugin off without removing it (default true). */
  enabled?: boolean;
}

/** osls' plugin log writer: callable (notice) with one method per level. */
type PluginLog = ((message: string) => void) & {
  error?(message: string): void;
  warning?(message: string): void;
  notice?(message: string): void;
  info?(message: string): void;
  debug?(message: string): void;
};

/**
 * The part of the Serverless Framework instance the plugin uses.
 *
 * @example
 * new OfflineMskPlugin(serverless as ServerlessLike, {}, { log });
 */
export interface ServerlessLike {
  service: ServiceLike;
  config?: { servicePath?: string; serviceDir?: string };
  serviceDir?: string;
  configSchemaHandler?: { defineCustomProperties?(schema: object): void };
}

/**
 * Serverless Framework plugin: runs every function's `msk` and `kafka` event source mappings against a
 * local Kafka-protocol broker while `serverless offline start` runs, invoking the functions through
 * serverless-offline's Lambda Invoke endpoint, as AWS's event source mappings would. List it after
 * `serverless-offline` in `plugins:`.
 *
 * Readiness: for each mapping, once its consumer has joined its group, it logs
 * `offline-msk: <function> consuming <topic> (group <id>)`; once all have,
 * `offline-msk: ready: <n> mapping(s) joined their consumer groups`, and writes `readyFile` when set.
 *
 * @example
 * // serverless.yml
 * // plugins: [serverless-offline, ./localstack/offline-msk/index.cjs]
 * // custom: { serverless-offline-msk: { brokers: ${env:KAFKA_BROKERS} } }
 */
export class OfflineMskPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private readonly log: PluginLog;
  private handles: MappingHandle[] = [];
  private closers: (() => void)[] = [];
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readyFile: string | undefined;
  private readonly onSignal = () => void this.stop();

  constructor(
    private readonly serverless: ServerlessLike,
    private readonly cliOptions: Record<string, unknown> = {},
    utils: { log?: PluginLog } = {},
  ) {
    this.log = utils.log ?? Object.assign((message: string) => console.error(message), {});
    this.hooks = {
      // `serverless offline start`: after serverless-offline's own init has opened the Lambda port.
      'offline:start:init': () => this.start(),
      // `serverless offline`: serverless-offline starts, waits and ends inside this one event, so
      // start in the background (waiting here for its Lambda port would wait forever).
      'before:offline:start': async () => {
        this.start().catch((error: unknown) => this.error(describe(error)));
      },
      // Before serverless-offline closes its servers (its own end hook exits the process).
      'before:offline:start:end': () => this.stop(),
      'offline:start:end': () => this.stop(),
    };
    serverless.configSchemaHandler?.defineCustomProperties?.({
      properties: { [CONFIG_KEY]: { type: 'object' } },
    });
  }

  /** Starts every mapping; returns once they are started (not necessarily joined). */
  start(): Promise<void> {
    this.starting ??= this.startMappings();
    return this.starting;
  }

  /** Stops every mapping gracefully (in-flight invocations finish and are committed). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      await this.starting?.catch(() => undefined);
      if (this.handles.length === 0) return;
      this.note(`offline-msk: stopping ${this.handles.length} mapping(s)`);
      await Promise.all(this.handles.map((h) => h.stop().catch((e: unknown) => this.warn(describe(e)))));
      for (const close of this.closers) close();
      if (this.readyFile) await rm(this.readyFile, { force: true });
      this.note('offline-msk: stopped');
    })();
    return this.stopping;
  }

  private async startMappings(): Promise<void> {
    const settings = this.settings();
    if (settings.enabled === false) return;
    const brokers = stringList(settings.brokers ?? process.env.KAFKA_BROKERS);
    const found = readServiceMappings(
      this.serverless.service,
      brokers.length ? brokers : undefined,
      settings.retry,
    );
    if (found.length === 0) return;

    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    const endpoint = settings.lambdaEndpoint ?? this.defaultLambdaEndpoint();
    await waitForPort(endpoint, settings.lambdaStartTimeoutMs ?? 30_000).catch((error: unknown) =>
      this.warn(`offline-msk: ${describe(error)}; starting anyway (invocations retry until it answers)`),
    );
    if (this.stopping) return;

    const clients = new Map<string, Kafka>();
    const logger = this.mappingLogger();
    for (const { brokers: from, mapping } of found) {
      const key = from.join(',');
      let kafka = clients.get(key);
      if (!kafka) {
        kafka = new Kafka({
          logLevel: logLevel.WARN,
          logCreator: () => (entry) => this.warn(`offline-msk kafkajs: ${entry.log.message}`),
          ...settings.client,
          brokers: from,
        });
        clients.set(key, kafka);
      }
      const invoker = lambdaInvoker(
        { endpoint, region: this.serverless.service.provider.region ?? 'us-east-1' },
        mapping.functionName,
      );
      this.closers.push(invoker.close);
      this.handles.push(
        startMapping({
          kafka,
          brokers: from,
          mapping,
          invoke: invoker.invoke,
          consumerSettings: settings.consumer,
          logger,
        }),
      );
    }
    void this.announceReady(settings.readyFile);
  }

  private async announceReady(readyFile: string | undefined): Promise<void> {
    const results = await Promise.allSettled(this.handles.map((h) => h.joined));
    if (this.stopping) return;
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) {
      this.error(`offline-msk: ${failed} of ${results.length} mapping(s) failed to start (see above)`);
      return;
    }
    const active = this.handles.filter((h) => h.mapping.enabled);
    if (readyFile) {
      this.readyFile = resolvePath(this.serviceDir(), readyFile);
      const mappings = active.map((h) => ({
        function: h.mapping.functionName,
        topic: h.mapping.topic,
        consumerGroupId: h.mapping.consumerGroupId,
      }));
      await writeFile(this.readyFile, `${JSON.stringify({ pid: process.pid, mappings }, null, 2)}\n`);
    }
    this.note(`offline-msk: ready: ${active.length} mapping(s) joined their consumer groups`);
  }

  /** The settings, with `${env:…}` strings turned into the booleans and numbers they stand for. */
  private settings(): OfflineMskSettings {
    const custom = this.serverless.service.custom ?? {};
    const raw = (custom[CONFIG_KEY] as OfflineMskSettings | undefined) ?? {};
    const retry = raw.retry && {
      maximumRetryAttempts: numeric(raw.retry.maximumRetryAttempts),
      backoffBaseMs: numeric(raw.retry.backoffBaseMs),
      backoffMaxMs: numeric(raw.retry.backoffMaxMs),
    };
    return {
      ...raw,
      enabled: raw.enabled === undefined ? undefined : String(raw.enabled) !== 'false',
      lambdaStartTimeoutMs: numeric(raw.lambdaStartTimeoutMs),
      retry,
    };
  }

  /** serverless-offline's Lambda port: CLI option, then `custom.serverless-offline`, then 3002. */
  private defaultLambdaEndpoint(): string {
    const offline = (this.serverless.service.custom?.['serverless-offline'] ?? {}) as Record<string, unknown>;
    const port = Number(this.cliOptions.lambdaPort ?? offline.lambdaPort ?? 3002);
    const host = String(this.cliOptions.host ?? offline.host ?? 'localhost');
    return `http://${host}:${port}`;
  }

  private serviceDir(): string {
    return (
      this.serverless.serviceDir ??
      this.serverless.config?.serviceDir ??
      this.serverless.config?.servicePath ??
      '.'
    );
  }

  private mappingLogger(): MappingLogger {
    return {
      debug: (m) => this.log.debug?.(m),
      info: (m) => this.note(m),
      warn: (m) => this.warn(m),
      error: (m) => this.error(m),
    };
  }

  private note(message: string): void {
    (this.log.notice ?? this.log)(message);
  }

  private warn(message: string): void {
    (this.log.warning ?? this.log)(message);
  }

  private error(message: string): void {
    (this.log.error ?? this.log)(message);
  }
}

/** Resolves once something accepts TCP connections at the URL's host and port. */
async function waitForPort(url: string, timeoutMs: number): Promise<void> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1_000, () => done(false));
      socket.once('error', () => done(false));
      socket.connect(Number(port || 80), hostname.replace(/^\[|\]$/g, ''), () => done(true));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing answers at ${url} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function numeric(value: unknown): number | undefined {
  return value === undefined || value === null || value === '' ? undefined : Number(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
