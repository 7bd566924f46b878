import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { InvalidMappingError } from '../../localstack/offline-msk/errors.js';
import { buildMskEvent, toMskRecord } from '../../localstack/offline-msk/event-shape.js';
import {
  defaultConsumerGroupId,
  resolveMapping,
  retryDelayMs,
} from '../../localstack/offline-msk/mapping-config.js';
import type { MappingConfig } from '../../localstack/offline-msk/types.js';

describe('resolveMapping', () => {
  it('applies the AWS defaults', () => {
    const m = resolveMapping({ functionName: 'svc-dev-fn', topic: 'orders' }, '127.0.0.1:9092');
    expect(m).toMatchObject({
      batchSize: 100,
      batchingWindowMs: 500,
      startingPosition: 'TRIM_HORIZON',
      enabled: true,
      maximumRetryAttempts: -1,
      eventSource: 'aws:kafka',
      bootstrapServers: '127.0.0.1:9092',
      consumerGroupId: defaultConsumerGroupId('svc-dev-fn', 'orders'),
      hasFilter: false,
    });
    expect(m.eventSourceArn).toMatch(/^arn:aws:kafka:/);
  });

  it('derives a stable UUID group id per function and topic', () => {
    const id = defaultConsumerGroupId('svc-dev-fn', 'orders');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(defaultConsumerGroupId('svc-dev-fn', 'orders')).toBe(id);
    expect(defaultConsumerGroupId('svc-dev-other', 'orders')).not.toBe(id);
  });

  it('converts the AT_TIMESTAMP timestamp from seconds to milliseconds', () => {
    const m = resolveMapping(
      {
        functionName: 'f',
        topic: 't',
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: 1_700_000_000.5,
      },
      'b:1',
    );
    expect(m.startingTimestampMs).toBe(1_700_000_000_500);
  });

  it.each<[string, Partial<MappingConfig>]>([
    ['batchSize 0', { batchSize: 0 }],
    ['batchSize above 10000', { batchSize: 10_001 }],
    ['a fractional batchSize', { batchSize: 1.5 }],
    ['a negative window', { maximumBatchingWindow: -1 }],
    ['a window above 300 s', { maximumBatchingWindow: 301 }],
    ['AT_TIMESTAMP without timestamp', { startingPosition: 'AT_TIMESTAMP' }],
    ['an unknown starting position', { startingPosition: 'EARLIEST' as never }],
    ['maximumRetryAttempts below -1', { retry: { maximumRetryAttempts: -2 } }],
    ['backoffMaxMs below backoffBaseMs', { retry: { backoffBaseMs: 100, backoffMaxMs: 10 } }],
    ['no topic', { topic: '' }],
  ])('rejects %s', (_what, override) => {
    expect(() => resolveMapping({ functionName: 'f', topic: 't', ...override }, 'b:1')).toThrow(
      InvalidMappingError,
    );
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 60].map((n) => retryDelayMs(n, 100, 1_000))).toEqual([
      100, 200, 400, 800, 1_000, 1_000, 1_000,
    ]);
  });
});

describe('toMskRecord / buildMskEvent', () => {
  const message = (over: Partial<KafkaMessage>): KafkaMessage =>
    ({
      offset: '7',
      timestamp: '1545084650987',
      attributes: 0,
      key: null,
      value: null,
      headers: {},
      ...over,
    }) as KafkaMessage;

  it('reports LOG_APPEND_TIME from the batch context or the legacy attributes', () => {
    const fromContext = { ...message({}), batchContext: { timestampType: 1 } } as unknown as KafkaMessage;
    expect(toMskRecord('t', 0, fromContext).timestampType).toBe('LOG_APPEND_TIME');
    expect(toMskRecord('t', 0, message({ attributes: 0x8 })).timestampType).toBe('LOG_APPEND_TIME');
    expect(toMskRecord('t', 0, message({})).timestampType).toBe('CREATE_TIME');
  });

  it('expands repeated headers into one entry each', () => {
    const record = toMskRecord(
      't',
      0,
      message({ headers: { h: [Buffer.from('a'), Buffer.from('b')], s: 'c' } }),
    );
    expect(record.headers).toEqual([{ h: [97] }, { h: [98] }, { s: [99] }]);
  });

  it('groups records under <topic>-<partition>', () => {
    const records = [
      toMskRecord('orders', 2, message({})),
      toMskRecord('orders', 2, message({ offset: '8' })),
    ];
    const event = buildMskEvent(
      { eventSource: 'aws:kafka', eventSourceArn: 'arn', bootstrapServers: 'b:1' },
      records,
    );
    expect(event).toEqual({
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn',
      bootstrapServers: 'b:1',
      records: { 'orders-2': records },
    });
  });
});
