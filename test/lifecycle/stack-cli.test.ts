import { describe, expect, it } from 'vitest';
import { envWithoutStack, runNpmScript, scratchKafkaDataDir } from '../support/cli-process.js';
import { descendants, killTree, survivors } from '../support/process-tree.js';

describe('npm run stack', () => {
  it('prints the environment and ready, serves it, and leaves no process behind on SIGTERM', async () => {
    const kafkaData = scratchKafkaDataDir();
    const stack = runNpmScript('stack', envWithoutStack(kafkaData.env));
    try {
      await stack.waitForLine('ready', 60_000);
      const values = Object.fromEntries(
        stack.stdout.filter((line) => line.includes('=')).map((line) => line.split(/=(.*)/s)),
      );
      expect(Object.keys(values)).toEqual(
        expect.arrayContaining([
          'KAFKA_BROKERS',
          'UPSTASH_REDIS_REST_URL',
          'UPSTASH_REDIS_REST_TOKEN',
          'REDIS_URL',
        ]),
      );
      expect(stack.stdout.slice(0, 4).map((line) => line.split('=')[0])).toEqual([
        'KAFKA_BROKERS',
        'UPSTASH_REDIS_REST_URL',
        'UPSTASH_REDIS_REST_TOKEN',
        'REDIS_URL',
      ]);
      expect(values.KAFKA_BROKERS).toMatch(/^127\.0\.0\.1:\d+/);
      const ping = await fetch(values.UPSTASH_REDIS_REST_URL ?? '', {
        method: 'POST',
        headers: { authorization: `Bearer ${values.UPSTASH_REDIS_REST_TOKEN}` },
        body: JSON.stringify(['PING']),
      });
      expect(await ping.json()).toEqual({ result: 'PONG' });
      // The local token issuer publishes its signing key.
      expect(values.AUTH_ISSUER).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const jwks = (await (await fetch(`${values.AUTH_ISSUER}/.well-known/jwks.json`)).json()) as {
        keys: { kty: string; alg: string }[];
      };
      expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', alg: 'ES256' })]);

      const started = descendants(stack.pid);
      expect(started.length).toBeGreaterThan(1);
      stack.child.kill('SIGTERM');
      const exit = await stack.exited;
      expect(exit, stack.stderr.join('').slice(-2000)).toEqual({ code: 0, signal: null });
      expect(await survivors(started)).toEqual([]);
    } finally {
      killTree(stack.child);
      kafkaData.remove();
    }
  }, 90_000);
});
