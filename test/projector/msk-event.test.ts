import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { MskEventSchema, parseMskEvent } from '../../lib/projector/msk-event.js';
import { bankEvents } from '../support/bank-events.js';
import { mskEvent, recordsOf } from '../support/msk-events.js';

const events = bankEvents();
const account = randomUUID();

/** A realistic invocation event, as JSON (what Lambda hands over), so every case can change it freely. */
function sample(): Record<string, unknown> {
  const records = recordsOf(
    'banku.account-commands',
    2,
    [events.open(account, 'EUR', 'Ada'), events.deposit(account, 5)],
    41,
  );
  return JSON.parse(JSON.stringify(mskEvent(records))) as Record<string, unknown>;
}

function firstRecord(event: Record<string, unknown>): Record<string, unknown> {
  const [partition] = Object.values(event.records as Record<string, Record<string, unknown>[]>);
  return partition?.[0] as Record<string, unknown>;
}

/** What the schema answers: its output, or the fact that it refused. */
function schemaAnswer(raw: unknown): { output: unknown } | { refused: true } {
  const parsed = MskEventSchema.safeParse(raw);
  return parsed.success ? { output: parsed.data } : { refused: true };
}

function fastAnswer(raw: unknown): { output: unknown } | { refused: true } {
  try {
    return { output: parseMskEvent(raw) };
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    return { refused: true };
  }
}

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  '7',
  'aws:kafka',
  true,
  [],
  [{}],
  [[1]],
  {},
  Object.create(null),
];

describe('parseMskEvent: the MSK envelope checked by hand where it can, by the schema otherwise', () => {
  it('gives what the schema gives for the events the mapping sends', () => {
    const event = sample();
    expect(parseMskEvent(event)).toEqual(MskEventSchema.parse(event));
    expect(parseMskEvent(event).records['banku.account-commands-2']?.[1]?.offset).toBe('42');
  });

  it('gives the schema’s answer, output or refusal, whatever one envelope field holds', () => {
    for (const field of ['eventSource', 'eventSourceArn', 'bootstrapServers', 'records', 'extra']) {
      for (const value of ODD_VALUES) {
        const event = sample();
        event[field] = value;
        expect({ field, value, answer: fastAnswer(event) }).toEqual({
          field,
          value,
          answer: schemaAnswer(event),
        });
      }
    }
  });

  it('gives the schema’s answer, output or refusal, whatever one record field holds', () => {
    const fields = [
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestampType',
      'key',
      'value',
      'headers',
      'extra',
    ];
    for (const field of fields) {
      for (const value of ODD_VALUES) {
        const event = sample();
        firstRecord(event)[field] = value;
        expect({ field, value, answer: fastAnswer(event) }).toEqual({
          field,
          value,
          answer: schemaAnswer(event),
        });
      }
      const event = sample();
      delete firstRecord(event)[field];
      expect({ field, deleted: true, answer: fastAnswer(event) }).toEqual({
        field,
        deleted: true,
        answer: schemaAnswer(event),
      });
    }
  });

  it('refuses what is not an event at all, with the schema’s error', () => {
    for (const raw of [undefined, null, 'event', 42, [], { records: [] }]) {
      expect(() => parseMskEvent(raw)).toThrow(ZodError);
    }
  });
});
