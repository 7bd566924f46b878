import { InvalidLocalKafkaOptionError } from './errors.js';
import type { BrokerFault } from './types.js';

/**
 * Kafka protocol request types (ApiKey numbers from the Kafka protocol spec) that the mock serves.
 *
 * @example
 * await kafka.inject({ type: 'request-errors', apiKey: KafkaApiKey.Produce, errors: [KafkaErrorCode.NotEnoughReplicas] });
 */
export const KafkaApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
} as const;

/**
 * Kafka protocol error codes useful for fault injection, plus librdkafka's `Disconnect`
 * (`RD_KAFKA_RESP_ERR__TRANSPORT`), which makes the mock drop the connection instead of answering.
 *
 * @example
 * const retriable = [KafkaErrorCode.NotLeaderOrFollower, KafkaErrorCode.RequestTimedOut];
 */
export const KafkaErrorCode = {
  Disconnect: -195,
  None: 0,
  UnknownTopicOrPartition: 3,
  LeaderNotAvailable: 5,
  NotLeaderOrFollower: 6,
  RequestTimedOut: 7,
  CoordinatorLoadInProgress: 14,
  CoordinatorNotAvailable: 15,
  NotCoordinator: 16,
  NotEnoughReplicas: 19,
  NotEnoughReplicasAfterAppend: 20,
  IllegalGeneration: 22,
  UnknownMemberId: 25,
  RebalanceInProgress: 27,
  TopicAuthorizationFailed: 29,
  GroupAuthorizationFailed: 30,
  OutOfOrderSequenceNumber: 45,
  DuplicateSequenceNumber: 46,
  InvalidProducerEpoch: 47,
  UnknownProducerId: 59,
} as const;

/** The broker id that means "every broker" in the control protocol. */
const ALL_BROKERS = -1;

/** Kafka's legal topic names; also keeps control lines free of spaces and newlines. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Checks a topic name and partition count the way Kafka would.
 *
 * @example
 * assertTopic('bank-requests', 3); // ok
 * assertTopic('a b', 3);           // throws InvalidLocalKafkaOptionError
 */
export function assertTopic(name: string, partitions: number): void {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new InvalidLocalKafkaOptionError(
      `topic name ${JSON.stringify(name)} must be 1-249 characters of [a-zA-Z0-9._-]`,
    );
  }
  assertInt(`partitions of ${name}`, partitions, 1, 100_000);
}

function assertInt(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidLocalKafkaOptionError(`${what} must be an integer in ${min}..${max}, got ${value}`);
  }
}

function brokerOf(brokerId: number | undefined): number {
  if (brokerId === undefined) return ALL_BROKERS;
  assertInt('brokerId', brokerId, 0, 2 ** 31 - 1);
  return brokerId;
}

function codeList(errors: readonly number[]): string {
  if (errors.length === 0 || errors.length > 64) {
    throw new InvalidLocalKafkaOptionError(`errors must hold 1..64 codes, got ${errors.length}`);
  }
  for (const code of errors) assertInt('error code', code, -1000, 1000);
  return errors.join(',');
}

/**
 * Turns a fault into one line of the launcher's control protocol (see `mock-broker.c`).
 *
 * @example
 * faultCommand({ type: 'rtt', rttMs: 50 }); // "rtt -1 50"
 */
export function faultCommand(fault: BrokerFault): string {
  switch (fault.type) {
    case 'broker-down':
      return `down ${brokerOf(fault.brokerId)}`;
    case 'broker-up':
      return `up ${brokerOf(fault.brokerId)}`;
    case 'rtt':
      assertInt('rttMs', fault.rttMs, 0, 3_600_000);
      return `rtt ${brokerOf(fault.brokerId)} ${fault.rttMs}`;
    case 'request-errors': {
      assertInt('apiKey', fault.apiKey, 0, 32_767);
      const codes = codeList(fault.errors);
      if (fault.brokerId === undefined) {
        if (fault.rttMs !== undefined) {
          throw new InvalidLocalKafkaOptionError('rttMs on request-errors needs a brokerId');
        }
        return `errors ${fault.apiKey} ${codes}`;
      }
      const rttMs = fault.rttMs ?? 0;
      assertInt('rttMs', rttMs, 0, 3_600_000);
      return `broker-errors ${brokerOf(fault.brokerId)} ${fault.apiKey} ${rttMs} ${codes}`;
    }
    case 'clear-request-errors':
      assertInt('apiKey', fault.apiKey, 0, 32_767);
      return `clear-errors ${fault.apiKey}`;
    case 'topic-error':
      assertTopic(fault.topic, 1);
      assertInt('error', fault.error, -1000, 1000);
      return `topic-error ${fault.topic} ${fault.error}`;
    case 'partition-leader':
      assertTopic(fault.topic, 1);
      assertInt('partition', fault.partition, 0, 2 ** 31 - 1);
      assertInt('brokerId', fault.brokerId, -1, 2 ** 31 - 1);
      return `leader ${fault.topic} ${fault.partition} ${fault.brokerId}`;
    default: {
      const unknown: never = fault;
      throw new InvalidLocalKafkaOptionError(`unknown fault ${JSON.stringify(unknown)}`);
    }
  }
}
