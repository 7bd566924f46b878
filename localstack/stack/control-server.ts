import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalKafka } from '../kafka/broker.js';

/**
 * A small HTTP front for the local broker's control channel, so that processes other than the one
 * that started the broker (vitest workers, `npm run dev` tools) can create topics and inject faults.
 *
 * Routes: `POST /topics {name, partitions}` and `POST /faults <fault>` (the broker's fault shape).
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

export async function startControlServer(kafka: LocalKafka): Promise<ControlServer> {
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

async function handle(kafka: LocalKafka, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') return reply(response, 405, { error: 'only POST is supported' });
  const body = await readJson(request);
  if (request.url === '/topics') {
    const { name, partitions } = body as { name?: unknown; partitions?: unknown };
    if (typeof name !== 'string' || typeof partitions !== 'number') {
      return reply(response, 400, { error: 'expected {"name": string, "partitions": number}' });
    }
    await kafka.createTopic(name, partitions);
    return reply(response, 200, { ok: true });
  }
  if (request.url === '/faults') {
    await kafka.inject(body as Parameters<LocalKafka['inject']>[0]);
    return reply(response, 200, { ok: true });
  }
  reply(response, 404, { error: `no route ${request.url}` });
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
