import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalBroker } from '../kafka/local-broker.js';

/**
 * A small HTTP front for the local broker's control channel, so that processes other than the one
 * that started the broker (vitest workers, `npm run dev` tools) can create topics and inject faults.
 *
 * Routes: `POST /topics {name, partitions, configs?}` and `POST /faults <fault>` (the mock's fault
 * shape; Apache Kafka answers 501).
 *
 * @example
 * ```ts
 * const control = await startControlServer(kafka);
 * // POST `${control.url}/topics` with {"name":"orders","partitions":3}
 * await control.stop();
 * ```
 */
export interface ControlServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startControlServer(kafka: LocalBroker): Promise<ControlServer> {
  const server: Server = createServer((request, response) => {
    handle(kafka, request, response).catch((error: unknown) => {
      reply(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(kafka: LocalBroker, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') return reply(response, 405, { error: 'only POST is supported' });
  const body = await readJson(request);
  if (request.url === '/topics') {
    const {
      name,
      partitions,
      configs = {},
    } = body as { name?: unknown; partitions?: unknown; configs?: unknown };
    if (typeof name !== 'string' || typeof partitions !== 'number' || !isStringRecord(configs)) {
      return reply(response, 400, {
        error: 'expected {"name": string, "partitions": number, "configs"?: {name: value}}',
      });
    }
    // The mock keeps no topic configs; Apache Kafka applies them (retention and the like).
    await (kafka.kind === 'apache'
      ? kafka.createTopic(name, partitions, configs)
      : kafka.createTopic(name, partitions));
    return reply(response, 200, { ok: true });
  }
  if (request.url === '/faults') {
    if (kafka.kind !== 'mock')
      return reply(response, 501, {
        error:
          'fault injection needs the mock broker (BANKU_BROKER=mock); on Apache Kafka use real faults: ' +
          'stop, SIGKILL or SIGSTOP the broker',
      });
    await kafka.inject(body as Parameters<typeof kafka.inject>[0]);
    return reply(response, 200, { ok: true });
  }
  reply(response, 404, { error: `no route ${request.url}` });
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((entry) => typeof entry === 'string')
  );
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
