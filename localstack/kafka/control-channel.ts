import type { Interface as LineReader } from 'node:readline';
import type { Writable } from 'node:stream';
import { ControlCommandError, ControlTimeoutError, type LocalKafkaError } from './errors.js';

interface Pending {
  command: string;
  settle: (error?: Error) => void;
}

/**
 * Client side of the launcher's line protocol: one command line in, one `ok` / `error NAME detail`
 * line out, in order. Replies are matched first-in first-out, so a command that timed out keeps
 * its place and swallows its late reply instead of shifting every later answer.
 *
 * @example
 * const channel = new ControlChannel(child.stdin, stdoutLines);
 * await channel.send('topic orders 3');
 */
export class ControlChannel {
  private readonly queue: Pending[] = [];
  private closedWith: LocalKafkaError | undefined;

  constructor(
    private readonly input: Writable,
    replies: LineReader,
    private readonly timeoutMs = 10_000,
  ) {
    replies.on('line', (line) => this.onReply(line));
  }

  /**
   * Sends one command; resolves on `ok`, rejects with `ControlCommandError` on `error …`.
   *
   * @example
   * await channel.send('down -1');
   */
  send(command: string): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<void>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new ControlTimeoutError(command, this.timeoutMs));
      }, this.timeoutMs);
      this.queue.push({
        command,
        settle: (error) => {
          clearTimeout(timer);
          if (timedOut) return;
          if (error) reject(error);
          else resolve();
        },
      });
      this.input.write(`${command}\n`);
    });
  }

  /**
   * Fails every waiting and future command with `error` (the broker is gone).
   *
   * @example
   * channel.close(new BrokerExitedError(pid, 1, null, ''));
   */
  close(error: LocalKafkaError): void {
    this.closedWith ??= error;
    for (const pending of this.queue.splice(0)) pending.settle(this.closedWith);
  }

  private onReply(line: string): void {
    const pending = this.queue.shift();
    if (!pending) return; // nothing asked: not a reply (the launcher only writes replies after "ready")
    if (line === 'ok') {
      pending.settle();
      return;
    }
    const match = /^error (\S+) ?(.*)$/.exec(line);
    pending.settle(
      new ControlCommandError(pending.command, match?.[1] ?? 'UNPARSEABLE_REPLY', match?.[2] ?? line),
    );
  }
}
