import { randomUUID } from 'node:crypto';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { DeadLetter } from '../projection/types.js';

/**
 * Every dead letter on the dead-letter topic, from its beginning to its end as of the call, each once
 * (the projector may publish one twice; its key is where the record was). Commits nothing.
 *
 * @example
 * ```ts
 * const letters = await readDeadLetters({ kafka, topic: topicName('deadLetters') });
 * ```
 */
export async function readDeadLetters(options: {
  kafka: Kafka;
  topic: string;
  consumer?: Partial<ConsumerConfig>;
  timeoutMs?: number;
}): Promise<DeadLetter[]> {
  const { kafka, topic } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic))
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const letters = new Map<string, DeadLetter>();
  if (ends.size === 0) return [];
  const consumer = kafka.consumer({ ...options.consumer, groupId: `banku-dead-letters-${randomUUID()}` });
  const next = new Map<number, bigint>();
  let failure: unknown;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    void consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (message.key && message.value)
            letters.set(message.key.toString(), JSON.parse(message.value.toString()) as DeadLetter);
          next.set(partition, BigInt(message.offset) + 1n);
        },
      })
      .catch((error: unknown) => {
        failure = error;
      });
    while ([...ends].some(([partition, end]) => (next.get(partition) ?? 0n) < end)) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`reading ${topic} timed out`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return [...letters.values()].sort(
    (a, b) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(a.offset) - Number(b.offset),
  );
}
