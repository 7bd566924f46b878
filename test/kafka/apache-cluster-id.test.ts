import { describe, expect, it } from 'vitest';
import { newClusterId } from '../../localstack/kafka/apache/apache-broker.js';

describe('the cluster id a new Apache Kafka log is formatted with', () => {
  it('is 16 bytes in base64url and never starts with "-", which the storage tool would take for an option', () => {
    // One random id in 64 starts with "-": 5,000 draws meet one almost surely.
    const ids = Array.from({ length: 5_000 }, newClusterId);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
