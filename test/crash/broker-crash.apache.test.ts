import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/config/topics.js';
import { decodeEvent } from '../../lib/events/codec.js';
import { desiredTopics, SINGLE_BROKER_LAYOUT } from '../../lib/kafka/topic-layout.js';
import { type ApacheKafka, startApacheKafka } from '../../localstack/kafka/apache/apache-broker.js';
import { localKafkaConsumerSettings } from '../../localstack/kafka/client-settings.js';
import { type RunningOffline, startOffline } from '../../localstack/offline/start-offline.js';
import { apiClient } from '../support/http-client.js';
import { localKafkaClient, readBack, recordCount } from '../support/read-back.js';
import { testRedis } from '../support/redis.js';
import { testToken } from '../support/tokens.js';
import { auditStorm, transferStorm } from './transfer-storm.js';

const OPENING_BALANCE = 1_000_000;
const ACCOUNTS = 6;
const LANES = 6;

/**
 * The whole service through its HTTP API on Apache Kafka with a log on disk, while the broker crashes
 * (SIGKILL, then a restart on the same data directory and address) or hangs (SIGSTOP for longer than
 * the consumers' session timeout, then SIGCONT). A broker of this file's own: the faults would break
 * every other suite's broker. Nothing is restarted but the broker: the functions, the event source
 * mapping and the projector must find their way back by themselves.
 */
describe('transfers through the API while Apache Kafka crashes or hangs', { timeout: 300_000 }, () => {
  const topicPrefix = `crash-${randomUUID()}`;
  let dataDir: string;
  let broker: ApacheKafka;
  let offline: RunningOffline;
  let call: ReturnType<typeof apiClient>;
  let cleanupRedis: () => Promise<void>;
  let nextAmount = 1;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'banku-crash-kafka-'));
    broker = await startApacheKafka({
      dataDir,
      topics: desiredTopics(topicPrefix, { partitions: 3, ...SINGLE_BROKER_LAYOUT }),
    });
    const redis = await testRedis('crash');
    cleanupRedis = redis.cleanup;
    offline = await startOffline({
      env: {
        KAFKA_BROKERS: broker.bootstrapServers,
        KAFKA_TOPIC_PREFIX: topicPrefix,
        REDIS_KEY_PREFIX: redis.prefix,
        PROJECTOR_GROUP_ID: `projector-${topicPrefix}`,
      },
      readyWhen: [/offline-msk: .* joined/],
      onOutput: (line) => {
        if (process.env.DEBUG_OFFLINE || /offline-msk|timed out|[Tt]imeout|"ERROR"/.test(line))
          console.error(`[offline] ${line.slice(0, 300)}`);
      },
    });
    call = apiClient(offline.url, offline.apiKey, await testToken({ sub: 'crash-customer' }));
  }, 240_000);

  afterAll(async () => {
    await offline?.stop();
    await broker?.stop();
    await cleanupRedis?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // A failed test may have left the broker down; the next one starts from a serving broker.
    if (!broker.running()) await broker.restart();
  }, 240_000);

  const settled = async (transactionId: string) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
      const response = await call('GET', '/transactions/{transactionId}', `/transactions/${transactionId}`);
      const status = (response.body as { status: string }).status;
      if (status !== 'pending') return status;
    }
    throw new Error(`transaction ${transactionId} still pending after 60 s`);
  };
  const fundedAccounts = async () => {
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const opened = await call('POST', '/accounts', '/accounts', { body: { name: `Crash ${i}` } });
      const { accountId, transactionId } = opened.body as { accountId: string; transactionId: string };
      expect(await settled(transactionId)).toBe('applied');
      const deposit = await call('POST', '/accounts/{id}/deposits', `/accounts/${accountId}/deposits`, {
        body: { amount: OPENING_BALANCE },
      });
      expect(await settled((deposit.body as { transactionId: string }).transactionId)).toBe('applied');
      accounts.push(accountId);
    }
    return accounts;
  };

  const stormAndAudit = async (fault: () => Promise<void>) => {
    const accounts = await fundedAccounts();
    const storm = await transferStorm({
      call,
      accounts,
      lanes: LANES,
      beforeMs: 3_000,
      afterMs: 6_000,
      firstAmount: nextAmount,
      fault,
    });
    nextAmount += 100_000;
    return auditStorm(call, accounts, OPENING_BALANCE, storm, commandsOnLog);
  };

  /** The transactions whose requests are on the commands topic, read back from the broker. */
  const commandsOnLog = async () => {
    const kafka = localKafkaClient(broker.bootstrapServers);
    const topic = topicName('commands', topicPrefix);
    const records = await readBack(kafka, topic, await recordCount(kafka, topic), 60_000);
    return new Set(
      records.flatMap((record) => {
        const decoded = decodeEvent(record.value ?? null);
        return decoded.ok ? [decoded.event.data.transactionId] : [];
      }),
    );
  };

  const expectNothingLostOrDoubled = (audit: Awaited<ReturnType<typeof auditStorm>>) => {
    // A gateway 504 (the function ran past its timeout) is an unknown outcome: its effect, if any, is
    // found and counted like any other, but it is neither accepted nor refused.
    expect(
      audit.otherAnswers.filter((status) => status !== 504),
      'answers other than 202, 503 and 504',
    ).toEqual([]);
    expect(audit.accepted).toBeGreaterThan(0);
    expect(audit.lost, 'accepted transfers without a final status').toBe(0);
    expect(audit.acceptedNotInHistory, 'accepted transfers missing from the payer’s history').toBe(0);
    expect(audit.appliedTwice, 'history entries applied more than once').toBe(0);
    expect(audit.acceptedWithoutEffectYetApplied, 'applied transfers without a debit').toBe(0);
    expect(audit.balancesOffExpected, 'balances that differ from the transfers that took effect').toBe(0);
    expect(audit.negativeBalances).toBe(0);
    expect(audit.total, 'money conserved').toBe(audit.expectedTotal);
    expect(
      audit.appliedAfterRecovery,
      'transfers applied after recovery, no restart but the broker',
    ).toBeGreaterThan(0);
  };

  // Issue 10: a 503 means the command never takes effect. Its request either never reached the log,
  // or it did (the acknowledgement was lost, or a hung broker appended it later) and the projector
  // decided it rejected as `abandoned`, because the command marked it so before answering.
  const expectRefusedTookNoEffect = (audit: Awaited<ReturnType<typeof auditStorm>>) => {
    expect(audit.refusedThatTookEffect, '503 answers whose transfer took effect anyway').toBe(0);
    expect(audit.refusedOtherOutcome, '503 answers that reached the log and were not abandoned').toEqual([]);
  };

  it('loses nothing accepted, applies nothing twice and conserves money when the broker is SIGKILLed and restarted on its log', async () => {
    let restartMs = 0;
    const audit = await stormAndAudit(async () => {
      broker.signal('SIGKILL');
      await broker.exited();
      await sleep(2_000);
      const restarted = Date.now();
      await broker.restart();
      restartMs = Date.now() - restarted;
    });
    console.info(`SIGKILL: broker back in ${restartMs} ms; ${JSON.stringify(audit)}`);
    expectNothingLostOrDoubled(audit);
    expect(audit.refused503, 'requests refused during the outage').toBeGreaterThan(0);
    expectRefusedTookNoEffect(audit);
  });

  it(`loses nothing accepted, applies nothing twice and conserves money when the broker hangs longer than the consumers' session timeout`, async () => {
    const hangMs = localKafkaConsumerSettings.sessionTimeout + 6_000;
    const audit = await stormAndAudit(async () => {
      broker.signal('SIGSTOP');
      await sleep(hangMs);
      broker.signal('SIGCONT');
    });
    console.info(`SIGSTOP for ${hangMs} ms: ${JSON.stringify(audit)}`);
    expectNothingLostOrDoubled(audit);
    expect(audit.refused503, 'requests refused during the hang').toBeGreaterThan(0);
    expectRefusedTookNoEffect(audit);
  });
});
