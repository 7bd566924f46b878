import { createServer, type Socket } from 'node:net';

/**
 * A TCP server that accepts every connection, reads what it is sent and never answers: a dependency
 * that is up but hung (a stuck proxy, a half-open path, an overloaded Redis).
 */
export async function startSilentServer(): Promise<{
  url: string;
  port: number;
  /** HTTP requests received so far (request lines), whoever sent them. */
  requests: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      requests += chunk.toString('latin1').match(/^[A-Z]+ \S+ HTTP\/1\.1\r$/gm)?.length ?? 0;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the silent server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
