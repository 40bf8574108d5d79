import type { EventMetadata, NewEventMetadata } from '../metadata.ts';

// The event store port. Adapters: Postgres, PGlite, EventStoreDB — all held to one contract suite.
//
// Positions are opaque and ordered: a bigint, greater for every later event of the global log. A reader
// that follows the log from a position must never skip a committed event (the adapters guarantee that
// an event becomes visible only after every event with a smaller position).

export type Position = bigint;
/** Before the first event of the global log. Reading from here returns everything. */
export const startPosition: Position = 0n;

/** How an append states what it expects the stream to be. Revisions count from 0. */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | number;

export type NewEvent = {
  type: string;
  data: unknown;
  metadata: NewEventMetadata;
};

export type RecordedEvent = {
  eventId: string;
  streamId: string;
  revision: number;
  position: Position;
  type: string;
  data: unknown;
  metadata: EventMetadata;
};

export type AppendRequest = {
  streamId: string;
  expectedRevision: ExpectedRevision;
  events: NewEvent[];
};

export type AppendSuccess = { ok: true; nextRevision: number; events: RecordedEvent[] };
export type AppendFailure =
  | { ok: false; reason: 'wrong_expected_revision'; streamId: string; actualRevision: number | 'no_stream' }
  /** A txId in the events is already in the ledger (globally unique, I5). */
  | { ok: false; reason: 'duplicate_tx'; streamId: string; txId: string; existingStreamId: string };
export type AppendOutcome = AppendSuccess | AppendFailure;

export type TransactionLocation = { txId: string; streamId: string; revision: number; position: Position };

export type GlobalBatchHandler = (events: RecordedEvent[]) => Promise<void>;

export type Subscription = {
  /** Stops after the batch in flight; resolves when the subscription has stopped. */
  stop: () => Promise<void>;
  /** Resolves or rejects when the subscription ends: on stop, or on an error in a handler or the store. */
  done: Promise<void>;
};

export type SubscribeOptions = {
  /** Exclusive: the first event delivered is the one after this position. */
  fromPosition: Position;
  maxBatchSize?: number;
  onBatch: GlobalBatchHandler;
};

export type EventStore = {
  readonly kind: 'postgres' | 'pglite' | 'esdb';
  /**
   * Group commit: each request is checked and applied on its own (its own expected revision and txIds);
   * one request's failure never fails another's. Outcomes come back in request order.
   */
  appendBatch: (requests: AppendRequest[]) => Promise<AppendOutcome[]>;
  readStream: (
    streamId: string,
    options?: { fromRevision?: number; maxCount?: number },
  ) => Promise<RecordedEvent[]>;
  /** Events with position > fromPosition (and ≤ toPosition when given), in position order. */
  readAll: (options: {
    fromPosition: Position;
    maxCount: number;
    toPosition?: Position;
  }) => Promise<RecordedEvent[]>;
  /** Catch up from a position, then follow live appends. */
  subscribeToAll: (options: SubscribeOptions) => Subscription;
  /** The position of the latest committed event (startPosition when empty). */
  headPosition: () => Promise<Position>;
  findTransaction: (txId: string) => Promise<TransactionLocation | undefined>;
  close: () => Promise<void>;
};

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class DuplicateTransactionError extends Error {
  constructor(
    readonly txId: string,
    readonly existingStreamId: string,
  ) {
    super(`txId ${txId} is already recorded on ${existingStreamId}`);
    this.name = 'DuplicateTransactionError';
  }
}

/** One stream append that throws on failure, built on appendBatch. */
export const appendToStream = async (
  store: Pick<EventStore, 'appendBatch'>,
  streamId: string,
  events: NewEvent[],
  expectedRevision: ExpectedRevision,
): Promise<AppendSuccess> => {
  const [outcome] = await store.appendBatch([{ streamId, expectedRevision, events }]);
  if (!outcome) throw new Error('appendBatch returned no outcome');
  if (outcome.ok) return outcome;
  if (outcome.reason === 'wrong_expected_revision') {
    throw new WrongExpectedRevisionError(streamId, expectedRevision, outcome.actualRevision);
  }
  throw new DuplicateTransactionError(outcome.txId, outcome.existingStreamId);
};

/** Checks an expected revision against a stream's current revision (-1 when the stream does not exist). */
export const revisionMatches = (expected: ExpectedRevision, current: number): boolean => {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === -1;
  if (expected === 'stream_exists') return current >= 0;
  return expected === current;
};

export const positionToString = (position: Position): string => position.toString();
export const parsePosition = (text: string): Position => {
  if (!/^[0-9]{1,20}$/.test(text)) throw new Error(`not a position: ${text}`);
  return BigInt(text);
};
