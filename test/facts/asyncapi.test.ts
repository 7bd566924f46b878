import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import specs from '@asyncapi/specs';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { topicName } from '../../lib/config/topics.js';
import { EVENT_TYPES } from '../../lib/events/event-types.js';
import type { BankEvent } from '../../lib/events/types.js';
import { FACT_TYPES } from '../../lib/facts/schema-v1.js';
import { DEAD_LETTER_REASONS } from '../../lib/projection/types.js';
import { bankEvents } from '../support/bank-events.js';
import { type LocalService, localService } from '../support/project-log.js';
import type { ConsumedRecord } from '../support/read-back.js';

const DOCUMENT_ID = 'https://banku.local/asyncapi.json';
const document = parse(readFileSync(new URL('../../lib/api/asyncapi.yaml', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

const messageNames = (channel: string) => Object.keys(document.channels[channel].messages).sort();

/** What is wrong with one record, judged by the message of its channel its `event-type` header names. */
function violations(channel: string, record: ConsumedRecord): string[] {
  const name = record.headers['event-type'] ?? '';
  if (!messageNames(channel).includes(name)) return [`${channel} has no message ${name}`];
  const check = (pointer: string, value: unknown, what: string) => {
    const validate = ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
    if (!validate) return [`no schema at ${pointer}`];
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${name} ${what}${e.instancePath} ${e.message}`);
  };
  const message = document.components.messages[name];
  const payload = JSON.parse(record.value ?? 'null');
  return [
    ...check(`/components/schemas/${name}`, payload, 'payload'),
    ...check(message.headers.$ref.slice(1), record.headers, 'headers'),
    ...(record.key === payload?.accountId ? [] : [`${name} key ${record.key} is not its accountId`]),
  ];
}

describe('the AsyncAPI document (lib/api/asyncapi.yaml)', () => {
  it('is a valid AsyncAPI 3.0 document', () => {
    // The specification's own schema embeds JSON Schema draft-07, so this validator gets no meta-schema of its own.
    const specification = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
    (addFormats as unknown as (ajv: Ajv) => void)(specification);
    const validate = specification.compile(specs.schemas['3.0.0']);
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('names every request on the commands topic and every fact on the facts topic', () => {
    expect(messageNames('accountCommands')).toEqual([...EVENT_TYPES].sort());
    expect(messageNames('accountEvents')).toEqual([...FACT_TYPES].sort());
    expect(document.channels.accountCommands.address.replace('{prefix}', 'banku')).toBe(
      topicName('commands', 'banku'),
    );
    expect(document.channels.accountEvents.address.replace('{prefix}', 'banku')).toBe(
      topicName('facts', 'banku'),
    );
    expect(document.channels.accountDeadLetters.address.replace('{prefix}', 'banku')).toBe(
      topicName('deadLetters', 'banku'),
    );
    expect(document.components.schemas.DeadLetter.properties.reason.enum).toEqual([...DEAD_LETTER_REASONS]);
  });
});

describe('messages published on the real broker match the AsyncAPI document', () => {
  const events = bankEvents(() => new Date().toISOString());
  let service: LocalService;
  beforeAll(async () => {
    service = await localService('asyncapi');
  });
  afterAll(async () => service?.stop());

  it('every request and fact of a session that touches nearly every outcome', async () => {
    const [ada, grace, dollar] = [randomUUID(), randomUUID(), randomUUID()];
    const requests: BankEvent[] = [
      events.open(ada, 'EUR'),
      events.open(grace, 'EUR'),
      events.open(dollar, 'USD'),
      events.open(ada, 'EUR'), // taken
      events.deposit(ada, 100),
      events.deposit(randomUUID(), 5), // no such account
      events.withdraw(ada, 10),
      events.withdraw(ada, 500), // too much
      events.transfer(ada, grace, 30), // credited
      events.transfer(ada, dollar, 20), // refused by the destination, refunded
      events.transfer(ada, ada, 1), // to itself
    ];
    await service.publishRequests(requests);
    await service.project();
    const commands = await service.read('commands');
    const facts = await service.read('facts');
    expect(commands.flatMap((record) => violations('accountCommands', record))).toEqual([]);
    expect(facts.flatMap((record) => violations('accountEvents', record))).toEqual([]);
    expect(new Set(commands.map((record) => record.headers['event-type']))).toEqual(new Set(EVENT_TYPES));
    expect(new Set(facts.map((record) => record.headers['event-type']))).toEqual(
      new Set(FACT_TYPES.filter((type) => type !== 'TransferRefundRejected')), // no correct log produces it
    );
  }, 60_000);

  it('every dead letter, with the bytes of the record it sets aside', async () => {
    const account = randomUUID();
    const commandsTopic = topicName('commands', service.topicPrefix);
    const poison = [Buffer.from('{not json'), Buffer.from('{"type":"NoSuchRequest","schemaVersion":1}')];
    await service.publisher.publish([
      ...poison.map((value) => ({ topic: commandsTopic, key: account, value })),
      { topic: commandsTopic, key: account, value: '' },
    ]);
    await service.project();
    const letters = await service.read('deadLetters');
    const validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/DeadLetter`);
    const headers = ajv.compile(document.components.messages.DeadLetter.headers);
    const violations = letters.flatMap((record) => {
      const payload = JSON.parse(record.value ?? 'null');
      return [
        ...(validate?.(payload) ? [] : [JSON.stringify(validate?.errors)]),
        ...(headers(record.headers) ? [] : [JSON.stringify(headers.errors)]),
        ...(record.key === `${payload.topic}:${payload.partition}:${payload.offset}` ? [] : ['key']),
      ];
    });
    expect(violations).toEqual([]);
    const bytes = letters.map((record) => JSON.parse(record.value ?? 'null').value as string | null);
    for (const value of poison) expect(bytes).toContain(value.toString('base64'));
    expect(letters).toHaveLength(3);
  }, 60_000);
});
