import type { ChildProcess } from 'node:child_process';

/**
 * Calls `onLine` with each line a child process prints, on stdout or stderr, as it prints it.
 *
 * @example
 * ```ts
 * forEachLine(child, (line) => (line.includes('ready') ? resolve() : undefined));
 * ```
 */
export function forEachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
}
