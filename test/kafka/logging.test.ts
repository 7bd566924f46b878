import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertoolsLogCreator } from '../../lib/kafka/client.js';
import {
  createLogger,
  getCorrelationId,
  REDACTED,
  redactSensitive,
  runWithCorrelationId,
  SERVICE_NAME,
} from '../../lib/logging/logger.js';

// Powertools writes INFO and below to stdout, WARN and ERROR to stderr.
function captureOutput(): { lines: () => Record<string, unknown>[] } {
  const writes: string[] = [];
  const keep = (chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  return {
    lines: () =>
      writes
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('logger', () => {
  it('redacts credentials and bodies wherever they are nested', () => {
    const json = JSON.stringify(
      {
        headers: { Authorization: 'Bearer abc', 'x-api-key': 'k', 'content-type': 'application/json' },
        sasl: { mechanism: 'oauthbearer' },
        body: '{"amount":1}',
        accountId: 'a-1',
      },
      redactSensitive,
    );
    expect(JSON.parse(json)).toEqual({
      headers: { Authorization: REDACTED, 'x-api-key': REDACTED, 'content-type': 'application/json' },
      sasl: REDACTED,
      body: REDACTED,
      accountId: 'a-1',
    });
  });

  it('stamps the service, the per-request correlation id, and redacts through the logger itself', () => {
    const out = captureOutput();
    const log = createLogger({ logLevel: 'INFO' });

    runWithCorrelationId('req-1', () => log.info('first', { token: 'secret-token' }));
    runWithCorrelationId('req-2', () => log.info('second'));
    log.info('third');

    const [first, second, third] = out.lines();
    expect(first).toMatchObject({
      service: SERVICE_NAME,
      message: 'first',
      correlation_id: 'req-1',
      token: REDACTED,
    });
    expect(JSON.stringify(first)).not.toContain('secret-token');
    expect(second).toMatchObject({ message: 'second', correlation_id: 'req-2' });
    expect(third?.correlation_id).toBeUndefined();
    expect(getCorrelationId()).toBeUndefined();
  });

  it('tags each line with the correlation id of its own invocation while invocations interleave', async () => {
    const out = captureOutput();
    const log = createLogger({ logLevel: 'INFO' });
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    // As in one module serving several invocations at once: each starts, then all resume in turn.
    await Promise.all(
      ['req-a', 'req-b', 'req-c'].map((id) =>
        runWithCorrelationId(id, async () => {
          log.info('started', { expected: id });
          await tick();
          log.info('resumed', { expected: id });
          expect(getCorrelationId()).toBe(id);
        }),
      ),
    );

    const lines = out.lines();
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line.correlation_id).toBe(line.expected);
  });

  it('routes kafkajs log entries through Powertools with level, namespace and correlation id', () => {
    const out = captureOutput();
    const log = createLogger({ logLevel: 'INFO' });
    const write = powertoolsLogCreator(log)(kafkajs.logLevel.WARN);

    runWithCorrelationId('req-9', () =>
      write({
        namespace: 'Connection',
        level: kafkajs.logLevel.ERROR,
        label: 'ERROR',
        log: {
          timestamp: new Date().toISOString(),
          message: 'Connection error',
          broker: '127.0.0.1:1',
          password: 'p',
        },
      }),
    );
    write({
      namespace: 'Producer',
      level: kafkajs.logLevel.WARN,
      label: 'WARN',
      log: {
        timestamp: new Date().toISOString(),
        message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      },
    });

    const lines = out.lines();
    // kafkajs' ERROR is logged as WARN: kafkajs uses it for every failed attempt, also retried ones.
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      message: 'Connection error',
      correlation_id: 'req-9',
      kafka: { namespace: 'Connection', broker: '127.0.0.1:1', password: REDACTED },
    });
    // The deliberate bounded-retry warning is demoted below INFO, so it is not printed.
    expect(lines).toHaveLength(1);
  });
});
