import { z } from 'zod';

/**
 * The event an MSK (or self-managed Kafka) event source mapping invokes the projector with.
 *
 * Written here rather than taken from `@aws-lambda-powertools/parser`'s `KafkaMskEventSchema`: that
 * schema decodes every record up front, so one record with a null value (a tombstone) fails the whole
 * batch and blocks the partition, and it decodes header bytes as code points rather than UTF-8.
 * Records stay raw here and are decoded one by one (see `decode-record.ts`).
 *
 * @example
 * ```ts
 * const event = MskEventSchema.parse(lambdaEvent);
 * for (const [topicPartition, records] of Object.entries(event.records)) { … }
 * ```
 */
export const MskRecordSchema = z.object({
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.union([z.number(), z.string()]).transform(String),
  timestamp: z.number(),
  timestampType: z.string().optional(),
  key: z.string().nullish(),
  value: z.string().nullish(),
  // Not validated byte by byte: the projector routes on the value alone, and checking every header byte
  // cost about 5 % of a batch's CPU.
  headers: z.array(z.record(z.string(), z.unknown())).default([]),
});

/** The whole invocation event; records grouped by `"<topic>-<partition>"`. */
export const MskEventSchema = z.object({
  eventSource: z.enum(['aws:kafka', 'SelfManagedKafka']),
  eventSourceArn: z.string().optional(),
  bootstrapServers: z.string().nullish(),
  records: z.record(z.string(), z.array(MskRecordSchema)),
});

/** One raw record as the event source mapping delivers it: key and value base64, headers as bytes. */
export type MskRecord = z.output<typeof MskRecordSchema>;

/** The invocation event, validated. */
export type MskEvent = z.output<typeof MskEventSchema>;

/**
 * {@link MskEventSchema}`.parse`, with a hand-written fast path for the events the mapping always sends.
 *
 * Zod took about 2.5 µs per record to check the envelope. The fast path checks the same rules (`isMskEvent`
 * below), each as strict as the schema's or stricter. If it passes, it builds what the schema would output:
 * the same fields, `offset` as a string, and `headers` defaulting to `[]`. Anything it is not sure of goes
 * to the schema, which accepts or throws its own `ZodError`, so the schema stays the one definition.
 * `test/projector/msk-event.test.ts` holds the two to the same answers.
 *
 * @example
 * ```ts
 * const event = parseMskEvent(lambdaEvent);
 * ```
 */
export function parseMskEvent(raw: unknown): MskEvent {
  return isMskEvent(raw) ? copyMskEvent(raw) : MskEventSchema.parse(raw);
}

/** The input shape the fast path accepts: only what {@link MskEventSchema} accepts too. */
type MskEventInput = z.input<typeof MskEventSchema>;

function isMskEvent(raw: unknown): raw is MskEventInput {
  if (!isPlainObject(raw)) return false;
  const { eventSource, eventSourceArn, bootstrapServers, records } = raw;
  if (eventSource !== 'aws:kafka' && eventSource !== 'SelfManagedKafka') return false;
  if (eventSourceArn !== undefined && typeof eventSourceArn !== 'string') return false;
  if (bootstrapServers != null && typeof bootstrapServers !== 'string') return false;
  if (!isPlainObject(records)) return false;
  for (const partition of Object.values(records)) {
    if (!Array.isArray(partition)) return false;
    for (const record of partition) if (!isMskRecord(record)) return false;
  }
  return true;
}

function isMskRecord(record: unknown): boolean {
  if (!isPlainObject(record)) return false;
  const { topic, partition, offset, timestamp, timestampType, key, value, headers } = record;
  return (
    typeof topic === 'string' &&
    Number.isSafeInteger(partition) &&
    (partition as number) >= 0 &&
    (typeof offset === 'string' || (typeof offset === 'number' && Number.isFinite(offset))) &&
    typeof timestamp === 'number' &&
    Number.isFinite(timestamp) &&
    (timestampType === undefined || typeof timestampType === 'string') &&
    (key == null || typeof key === 'string') &&
    (value == null || typeof value === 'string') &&
    (headers === undefined || (Array.isArray(headers) && headers.every(isPlainObject)))
  );
}

function copyMskEvent(raw: MskEventInput): MskEvent {
  const records: MskEvent['records'] = {};
  for (const [topicPartition, partition] of Object.entries(raw.records)) {
    records[topicPartition] = partition.map((record) => ({
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      timestamp: record.timestamp,
      timestampType: record.timestampType,
      key: record.key,
      value: record.value,
      headers: record.headers ?? [],
    }));
  }
  return {
    eventSource: raw.eventSource,
    eventSourceArn: raw.eventSourceArn,
    bootstrapServers: raw.bootstrapServers,
    records,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
