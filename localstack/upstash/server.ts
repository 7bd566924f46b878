import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandRunner } from './command-runner.js';
import { UpstashStartError } from './errors.js';
import { createRequestHandler } from './handle-request.js';
import type { UpstashEndpoint, UpstashEndpointOptions } from './types.js';

export type { UpstashEndpoint, UpstashEndpointOptions } from './types.js';

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
// Longer than the client's idle sockets live, so the server never closes one the client is reusing.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Starts a local stand-in for Upstash Redis: the Upstash REST protocol, as @upstash/redis speaks it,
 * served over HTTP in front of a real Redis server. No npm package provides one (Upstash's own
 * serverless-redis-http ships only as a Docker image), hence this small one.
 *
 * It listens once Redis has answered, and fails with `UpstashStartError` if Redis does not answer
 * or the port is taken.
 *
 * @example
 * ```ts
 * const endpoint = await startUpstashEndpoint({ redisUrl: 'redis://127.0.0.1:6379' });
 * const redis = new Redis({ url: endpoint.url, token: endpoint.token }); // from '@upstash/redis'
 * await redis.set('greeting', { hello: 'world' });
 * await endpoint.stop();
 * ```
 */
export async function startUpstashEndpoint(options: UpstashEndpointOptions): Promise<UpstashEndpoint> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  const runner = await CommandRunner.connect(options.redisUrl);
  const server = createServer(
    { noDelay: true },
    createRequestHandler({
      runner,
      token,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      ...(options.log ? { log: options.log } : {}),
    }),
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await runner.close();
    throw new UpstashStartError(
      `Cannot listen on ${host}:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    token,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive sockets and event streams would otherwise hold `close` open.
        server.closeAllConnections();
        await closed;
        await runner.close();
      })();
      return stopping;
    },
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
