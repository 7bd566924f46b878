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
