/** An account as the projection stores it; numbers are exact integers. */
export interface StoredAccount {
  accountId: string;
  name: string;
  currency: string;
  balance: number;
  version: number;
  openedAt: string;
  updatedAt: string;
}

/** What deciding one partition's batch needs to know, read in one round trip. */
export interface BatchState {
  /** The namespace the state was read from, and that the write must go to. */
  namespace: string;
  /** The accounts the batch touches that exist. */
  accounts: Map<string, StoredAccount>;
  /** Event ids of the batch that were already applied. */
  seen: Set<string>;
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
  at: string;
}

/** Increments of the conservation ledger. */
export interface TotalsDelta {
  deposited: number;
  withdrawn: number;
  inFlight: number;
  balances: number;
}

/** A saga event to publish after the write, keyed by the account it belongs to. */
export interface OutboxMessage {
  eventId: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** A record that could not be decoded, kept for a person to look at. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  message: string;
  key: string | null;
  value: string | null;
  at: string;
}

/** Everything one batch changes, applied atomically by the apply script. */
export interface BatchWrite {
  namespace: string;
  /** True for the live projector: refuse the write if a rebuild switched namespaces meanwhile. */
  followPointer: boolean;
  /** The version each touched account had when the batch was decided (0 when it did not exist). */
  expectedVersions: Map<string, number>;
  /** Event ids applied by this batch. */
  applied: string[];
  accounts: StoredAccount[];
  history: { accountId: string; entry: HistoryEntry }[];
  transactions: StoredTransaction[];
  totals: TotalsDelta;
  outbox: OutboxMessage[];
  deadLetters: DeadLetter[];
  /** Outbox messages of this partition that Kafka has acknowledged since the last write: removed now. */
  acknowledgedOutbox?: string[];
  /** The batch's `<topic>-<partition>`: whose outbox the follow-ups go to. */
  topicPartition: string;
  /** Last offset of the batch, by `<topic>-<partition>`. */
  checkpoints: Map<string, string>;
}
