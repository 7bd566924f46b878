import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { topicName } from '../../lib/config/topics.js';
import { kafkaHeaders } from '../../lib/events/headers.js';
import { Amount, Currency, IsoDateTime, MAX_BALANCE, Uuid } from '../../lib/events/primitives.js';
import { decodeVersioned, type VersionReader } from '../../lib/events/versioned-json.js';
import { decodeFact } from '../../lib/facts/codec.js';
import { FactMetadataSchema, FactV1Schema } from '../../lib/facts/schema-v1.js';
import { bankEvents } from '../support/bank-events.js';
import { type LocalService, localService } from '../support/project-log.js';

// A future v2 of one fact, as a later build would define it: `Deposited` carries its money as one
// `{amount, currency}` value. The v1 reader upcasts on read; nothing on the log is rewritten.
const DepositedV2 = z.strictObject({
  factId: Uuid,
  type: z.literal('Deposited'),
  schemaVersion: z.literal(2),
  accountId: Uuid,
  occurredAt: IsoDateTime,
  data: z.strictObject({
    transactionId: Uuid,
    initiator: z.string().min(1),
    money: z.strictObject({ amount: Amount, currency: Currency }),
    balanceAfter: z.int().min(0).max(MAX_BALANCE),
  }),
  metadata: FactMetadataSchema,
});
type DepositedV2 = z.output<typeof DepositedV2>;

const readersOfV2Build = new Map<number, VersionReader<DepositedV2>>([
  [
    1,
    {
      types: ['Deposited'],
      parse: (raw) => {
        const v1 = FactV1Schema.safeParse(raw);
        if (!v1.success || v1.data.type !== 'Deposited') return DepositedV2.safeParse(raw);
        const { amount, currency, ...data } = v1.data.data;
        return DepositedV2.safeParse({
          ...v1.data,
          schemaVersion: 2,
          data: { ...data, money: { amount, currency } },
        });
      },
    },
  ],
  [2, { types: ['Deposited'], parse: (raw) => DepositedV2.safeParse(raw) }],
]);

describe('schema evolution of facts: a v2 of Deposited, read by upcasting v1 on read', () => {
  const events = bankEvents(() => new Date().toISOString());
  let service: LocalService;
  beforeAll(async () => {
    service = await localService('upcast');
  });
  afterAll(async () => service?.stop());

  it('reads the v1 facts on the log and a v2 one alike, and leaves the v1 bytes as they were', async () => {
    const account = randomUUID();
    const requests = [events.open(account, 'EUR'), events.deposit(account, 250)];
    await service.publishRequests(requests);
    await service.project();
    const factsTopic = topicName('facts', service.topicPrefix);
    const [v1Record] = (await service.read('facts')).filter((r) => r.headers['event-type'] === 'Deposited');
    const v1 = decodeFact(v1Record?.value ?? null);
    if (!v1.ok || v1.fact.type !== 'Deposited')
      throw new Error('the projector recorded no v1 Deposited fact');

    // A later build writes v2.
    const v2: DepositedV2 = {
      factId: randomUUID(),
      type: 'Deposited',
      schemaVersion: 2,
      accountId: account,
      occurredAt: new Date().toISOString(),
      data: {
        transactionId: randomUUID(),
        initiator: 'test-holder',
        money: { amount: 50, currency: 'EUR' },
        balanceAfter: 300,
      },
      metadata: { correlationId: 'c-2', causationId: randomUUID() },
    };
    await service.publisher.publish([
      { topic: factsTopic, key: account, value: JSON.stringify(v2), headers: kafkaHeaders(v2) },
    ]);

    const log = (await service.read('facts')).filter(
      (record) => record.headers['event-type'] === 'Deposited',
    );
    const read = log.map((record) => decodeVersioned(record.value, readersOfV2Build, 2));
    expect(read).toEqual([
      {
        ok: true,
        value: {
          factId: v1.factId,
          type: 'Deposited',
          schemaVersion: 2,
          accountId: account,
          occurredAt: v1.fact.at,
          data: {
            transactionId: v1.fact.transactionId,
            initiator: v1.fact.initiator,
            money: { amount: 250, currency: 'EUR' },
            balanceAfter: 250,
          },
          metadata: { correlationId: v1.fact.correlationId, causationId: v1.fact.requestEventId },
        },
      },
      { ok: true, value: v2 },
    ]);
    // The log still holds the v1 fact as written; today's build refuses the v2 one instead of misreading it.
    expect(log[0]?.value).toBe(v1Record?.value);
    expect(JSON.parse(log[0]?.value ?? '{}').schemaVersion).toBe(1);
    expect(decodeFact(log[1]?.value ?? null)).toMatchObject({
      ok: false,
      reason: 'unsupported_schema_version',
    });
  }, 60_000);
});
