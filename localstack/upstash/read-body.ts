import type { IncomingMessage } from 'node:http';
import { UpstashRequestError } from './errors.js';

/**
 * Reads a whole request body. A body sent in one chunk, the usual case, is returned as that chunk,
 * without a copy. One longer than `maxBytes` is refused with 413.
 *
 * @example
 * ```ts
 * const body = await readBody(req, 64 * 1024 * 1024);
 * ```
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new UpstashRequestError(413, `ERR the request body is larger than ${maxBytes} bytes`));
        return;
      }
      if (!first) {
        first = chunk;
      } else {
        chunks ??= [first];
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      resolve(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
    });
    req.on('error', reject);
  });
}
