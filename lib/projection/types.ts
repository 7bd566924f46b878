/** An account as the projection stores it; numbers are exact integers. */
export interface StoredAccount {
  accountId: string;
  /** Subject of the customer who opened it; empty for an account recorded before owners existed. */
  owner: string;
  name: string;
  currency: string;
  balance: number;
  version: number;
  openedAt: string;
  updatedAt: string;
}

/** What deciding (or evolving) one partition's batch needs to know, read in one round trip. */
export interface BatchState {
  /** The namespace the state was read from, and that the write must go to. */
  namespace: string;
  /** The accounts the batch touches that exist. */
  accounts: Map<string, StoredAccount>;
  /** Requests of the batch already decided, by event id: the fact types each was decided as. */
  decided: Map<string, string[]>;
  /** How many facts the batch's partition held: the write is refused if another write changed it. */
  partitionFacts: number;
}

/** One history entry of an account, as stored (status and reason are joined from the transaction). */
export interface HistoryEntry {
  transactionId: string;
  type: 'deposit' | 'withdrawal' | 'transfer_out' | 'transfer_in' | 'refund';
  amount: number;
  applied: boolean;
  balanceAfter?: number;
  counterparty?: string;
  at: string;
  /** The account's version when the entry was recorded: the entry's position in the history. */
  seq: number;
}

/** A transaction's status as the projection records it. */
export interface StoredTransaction {
  transactionId: string;
  type: 'account_open' | 'deposit' | 'withdrawal' | 'transfer';
  status: 'pending' | 'applied' | 'rejected';
  reason?: string;
  /** Later stages win; an earlier one arriving late (a replay in another interleaving) is ignored. */
  stage: number;
  accountId: string;
  amount?: number;
  counterparty?: string;
  /**
   * Subject of the principal who asked, when a fact of the transaction names it (its first one does).
   * Written whatever the stage, so it is there however the transaction's facts interleave.
   */
  initiator?: string;
  at: string;
}

/** Increments of the conservation ledger. */
export interface TotalsDelta {
  deposited: number;
  withdrawn: number;
  inFlight: number;
  balances: number;
}

/**
 * Where a message of the outbox goes: a fact to the facts topic, a saga request to the commands topic,
 * a record the projector could not use to the dead-letter topic.
 */
export type OutboxTopic = 'facts' | 'commands' | 'deadLetters';

/** A message to publish after the write, keyed by the account it belongs to. */
export interface OutboxMessage {
  /** Its place in the partition's outbox: positions sort in the order the messages must be published. */
  position: string;
  /** The fact id, the saga request's event id, or a dead letter's `topic:partition:offset`. */
  id: string;
  topic: OutboxTopic;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * A record the projector could not use (undecodable, invalid, or refused while deciding or applying it),
 * kept on the dead-letter topic for a person to look at: where it was, why, and its original bytes.
 */
/**
 * Why a record was dead-lettered: its value could not be decoded into a message (the decoders'
 * reasons), it had none, its key is not its account, or deciding or applying it failed on its own.
 */
export const DEAD_LETTER_REASONS = [
  'malformed_json',
  'unknown_type',
  'unsupported_schema_version',
  'schema_violation',
  'empty_value',
  'key_mismatch',
  'decide_failed',
  'apply_failed',
] as const;

/** One of {@link DEAD_LETTER_REASONS}. */
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  reason: DeadLetterReason;
  message: string;
  /** The record's key, as UTF-8 text. */
  key: string | null;
  /** The record's value, base64: the original bytes, whatever they hold. */
  value: string | null;
  /** The record's own time, not the clock's. */
  at: string;
}

/**
 * The dedupe marker a batch writes for one request: the fact types it was decided as, and what the
 * marker held when the batch was read (the write is refused if that changed).
 */
export interface DecisionMarker {
  transactionId: string;
  requestEventId: string;
  /** Fact types recorded before this batch (empty for a request decided now). */
  before: string[];
  /** Fact types recorded after it. */
  after: string[];
}

/** Everything one batch changes, applied atomically by the apply script. */
export interface BatchWrite {
  namespace: string;
  /** True for the live projector: refuse the write if a rebuild switched namespaces meanwhile. */
  followPointer: boolean;
  /** The partition the batch belongs to (of the commands topic live, of the facts topic in a rebuild). */
  partition: number;
  /**
   * How many facts the partition held when the batch was read: the write is refused unless it still
   * does. Each account is written only by the partition its requests and facts are keyed to, so if no
   * other write reached the partition, none of the batch's accounts changed either.
   */
  expectedFacts: number;
  /**
   * True when the transactions' steps arrive in the order they happened (the live projector: a credit
   * is requested only once its debit is written). False for a rebuild, which replays two partitions'
   * facts of one transfer in either order: the write then keeps the higher stage.
   */
  transactionsInOrder: boolean;
  decisions: DecisionMarker[];
  accounts: StoredAccount[];
  history: { accountId: string; entry: HistoryEntry }[];
  transactions: StoredTransaction[];
  totals: TotalsDelta;
  /** Facts this batch adds to the partition's count. */
  factsApplied: number;
  /** Live only: offset of the batch's last request, the partition's new commands checkpoint. */
  commandsOffset?: string;
  /**
   * Live only: the offset just before the batch's first record, which the partition's checkpoint must
   * have reached, since the event source mapping committed it. A checkpoint that is missing or behind
   * means the projection lost state: the write is refused ({@link ProjectionStateLostError}). `-1` for a
   * batch starting a partition, whose checkpoint may not exist yet.
   */
  commandsFollows?: string;
  /**
   * Live only: the command requests decided now, by transaction, and whether each was decided as
   * abandoned. The write is refused unless each transaction is still marked abandoned exactly when the
   * decision assumed so.
   */
  fates?: { transactionId: string; abandoned: boolean }[];
  /** Live only: facts, saga requests and dead letters to publish, in order. */
  outbox: OutboxMessage[];
  /** Positions of outbox messages Kafka has acknowledged since the last write: removed now. */
  acknowledgedOutbox?: string[];
}
