import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for servers that cannot listen on port 0 themselves
 * (serverless-offline takes its ports as numbers).
 *
 * @example
 * ```ts
 * const httpPort = await freePort();
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
