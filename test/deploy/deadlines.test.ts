import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ABANDON_BUDGET_MS } from '../../lib/commands/admission.js';
import { ANSWER_MARGIN_MS } from '../../lib/http/deadline.js';
import { DEFAULT_PUBLISH_TIMEOUT_MS } from '../../lib/kafka/producer.js';
import { SSM_DEADLINE, UPSTASH_REQUEST_TIMEOUT_MS } from '../../lib/redis/client.js';

interface FunctionDefinition {
  timeout?: number;
  events?: { http?: { method: string; path: string } }[];
}
const service = parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8')) as {
  provider: { timeout: number };
  functions: Record<string, FunctionDefinition>;
};
const httpFunctions = (method: string) =>
  Object.entries(service.functions)
    .filter(([, definition]) => definition.events?.some((event) => event.http?.method === method))
    .map(([name, definition]) => ({
      name,
      timeoutMs: (definition.timeout ?? service.provider.timeout) * 1_000,
    }));

// The SDK's standard retry waits at most 2^attempt × 100 ms between attempts.
const ssmWorstMs = SSM_DEADLINE.attempts * SSM_DEADLINE.attemptTimeoutMs + (SSM_DEADLINE.attempts - 1) * 200;

describe("every HTTP function answers before its timeout (serverless.yml's timeouts against the deadlines)", () => {
  const commands = httpFunctions('post');
  const reads = httpFunctions('get');

  it('finds the four commands and three reads', () => {
    expect(commands.map(({ name }) => name).sort()).toEqual([
      'deposit',
      'openAccount',
      'transfer',
      'withdraw',
    ]);
    expect(reads).toHaveLength(3);
  });

  it.each(commands)(
    '$name: a publish started at the latest, and the abandonment of one not confirmed, still end before the answer deadline, and a warm admission (EVALSHA, then EVAL) fits before them',
    ({ timeoutMs }) => {
      const answerBy = timeoutMs - ANSWER_MARGIN_MS;
      // Admission is cut off at answerBy − publish budget (lib/commands/handle-command.ts), so this
      // holds for any admission, cold SSM lookups included; the second line says a slow but answering
      // Upstash does not need that cut-off.
      // After the publish, abandoning a command that was not confirmed has its own budget.
      expect(DEFAULT_PUBLISH_TIMEOUT_MS + ABANDON_BUDGET_MS).toBeLessThan(answerBy);
      expect(
        2 * UPSTASH_REQUEST_TIMEOUT_MS + DEFAULT_PUBLISH_TIMEOUT_MS + ABANDON_BUDGET_MS,
      ).toBeLessThanOrEqual(answerBy);
    },
  );

  it.each(reads)(
    '$name: the token from SSM and three Upstash round trips fit before the answer deadline',
    ({ timeoutMs }) => {
      // The namespace pointer, the record, and the statuses or pending marker (in parallel).
      expect(ssmWorstMs + 3 * UPSTASH_REQUEST_TIMEOUT_MS).toBeLessThanOrEqual(timeoutMs - ANSWER_MARGIN_MS);
    },
  );
});
