/**
 * Options for {@link startLocalKafka}.
 *
 * @example
 * const options: LocalKafkaOptions = { topics: [{ name: 'bank-requests', partitions: 3 }] };
 */
export interface LocalKafkaOptions {
  /** Topics that exist before `startLocalKafka` resolves. */
  topics: { name: string; partitions: number }[];
  /**
   * Bootstrap brokers (ids 1..N, default 1). The cluster always has one more broker, id 0, that
   * is the controller: the mock reports controller id 0 while numbering its brokers from 1.
   */
  brokerCount?: number;
}

/**
 * A running local broker (librdkafka's mock cluster in a child process).
 *
 * @example
 * const kafka = await startLocalKafka({ topics: [] });
 * await kafka.createTopic('orders', 3);
 * await kafka.stop();
 */
export interface LocalKafka {
  readonly kind: 'mock';
  /** "127.0.0.1:port[,127.0.0.1:port]": the brokers 1..N. Broker 0 is found through metadata. */
  readonly bootstrapServers: string;
  /** Pid of the broker process. */
  readonly pid: number;
  /** Creates a topic (replication factor 1). Rejects with `ControlCommandError` if it exists. */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Applies a fault; resolves once the broker has applied it. */
  inject(fault: BrokerFault): Promise<void>;
  /** SIGTERM by pid, then waits for exit (SIGKILL after a timeout). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A broker id, or omitted for every broker (including the controller, broker 0).
 *
 * @example
 * const target: BrokerTarget = { brokerId: 1 };
 */
export interface BrokerTarget {
  brokerId?: number;
}

/**
 * A fault for {@link LocalKafka.inject}. Request errors use Kafka protocol numbers: see
 * `KafkaApiKey` and `KafkaErrorCode` in `faults.ts`.
 *
 * @example
 * const faults: BrokerFault[] = [
 *   { type: 'broker-down' },                                     // refuse connections, drop open ones
 *   { type: 'broker-up' },
 *   { type: 'rtt', rttMs: 200, brokerId: 1 },                     // delay every response
 *   { type: 'request-errors', apiKey: KafkaApiKey.Produce, errors: [KafkaErrorCode.NotLeaderOrFollower] },
 * ];
 */
export type BrokerFault =
  // Closes the broker's connections and refuses new ones; partition leadership does not move.
  | ({ type: 'broker-down' } & BrokerTarget)
  | ({ type: 'broker-up' } & BrokerTarget)
  // Delays every response by `rttMs` (0 clears).
  | ({ type: 'rtt'; rttMs: number } & BrokerTarget)
  // The next `errors.length` requests with `apiKey` fail with these codes, in order. Without
  // `brokerId` the stack is cluster-wide; with it, the stack is that broker's (checked first) and
  // each such response is also delayed by `rttMs`. `KafkaErrorCode.Disconnect` drops the connection.
  | { type: 'request-errors'; apiKey: number; errors: readonly number[]; brokerId?: number; rttMs?: number }
  // Empties the cluster-wide error stack of `apiKey` (per-broker stacks drain by use only).
  | { type: 'clear-request-errors'; apiKey: number }
  // Metadata answers `error` for the topic (0 clears), as for a topic being deleted or unauthorized.
  | { type: 'topic-error'; topic: string; error: number }
  // Moves a partition's leadership (`brokerId` -1 leaves it without a leader).
  | { type: 'partition-leader'; topic: string; partition: number; brokerId: number };
