import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  BootstrapBrokersLookupError,
  KafkaRejectedError,
  KafkaUnavailableError,
} from '../../lib/kafka/errors.js';
import { toPublishError } from '../../lib/kafka/producer.js';

// Real kafkajs error classes, built the way kafkajs' retrier wraps them.
const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} = kafkajs;
const exhausted = (cause: Error) =>
  new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 2, retryTime: 200 });
// As kafkajs' retrier does when an attempt fails with a non-retriable error.
const bailed = (cause: Error) => Object.assign(new KafkaJSNonRetriableError(cause), { cause });
const protocol = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ message: `${type} from broker`, type, code: 0, retriable } as never);

describe('toPublishError', () => {
  it('maps exhausted retries over connection failures to KafkaUnavailableError with Retry-After', () => {
    const mapped = toPublishError(exhausted(new KafkaJSConnectionError('Connection error: ECONNREFUSED')), 2);
    expect(mapped).toBeInstanceOf(KafkaUnavailableError);
    expect((mapped as KafkaUnavailableError).retryAfterSeconds).toBe(2);
    expect(mapped.message).toContain('ECONNREFUSED');
  });

  it('maps a non-retriable broker verdict to KafkaRejectedError with the protocol reason', () => {
    const tooLarge = bailed(protocol('MESSAGE_TOO_LARGE', false));
    const mapped = toPublishError(tooLarge, 1);
    expect(mapped).toBeInstanceOf(KafkaRejectedError);
    expect((mapped as KafkaRejectedError).reason).toBe('MESSAGE_TOO_LARGE');
  });

  it('treats retriable broker errors as unavailable, except a topic that stays unknown', () => {
    expect(toPublishError(exhausted(protocol('NOT_ENOUGH_REPLICAS', true)), 1)).toBeInstanceOf(
      KafkaUnavailableError,
    );
    const unknownTopic = toPublishError(exhausted(protocol('UNKNOWN_TOPIC_OR_PARTITION', true)), 1);
    expect(unknownTopic).toBeInstanceOf(KafkaRejectedError);
    expect((unknownTopic as KafkaRejectedError).reason).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it("treats the producer's own sequence and epoch errors as unavailable: a fresh producer succeeds", () => {
    const outOfOrder = bailed(protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', false));
    expect(toPublishError(outOfOrder, 1)).toBeInstanceOf(KafkaUnavailableError);
  });

  it("maps kafkajs' plain 'Broker not connected' error (handshake never answered) to unavailable", () => {
    expect(toPublishError(new Error('Broker not connected'), 1)).toBeInstanceOf(KafkaUnavailableError);
  });

  it('passes through errors that are not Kafka failures', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(toPublishError(bug, 1)).toBe(bug);
  });

  it('maps a transient MSK API failure to unavailable and keeps a permanent one as is', () => {
    const clusterArn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/banku/abc-1';
    const transient = new BootstrapBrokersLookupError('MSK API 503', { clusterArn, retriable: true });
    const permanent = new BootstrapBrokersLookupError('not found', { clusterArn, retriable: false });
    expect(toPublishError(transient, 1)).toBeInstanceOf(KafkaUnavailableError);
    expect(toPublishError(permanent, 1)).toBe(permanent);
  });
});
