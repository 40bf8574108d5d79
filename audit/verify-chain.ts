import {
  type ChainBreak,
  type EventStore,
  eventHash,
  genesisHash,
  type Position,
  type RecordedEvent,
  startPosition,
} from '../ledger-core/index.ts';
import { auditReadBatchSize, type ScanProgress, scanLog } from './scan.ts';

// I9 over a whole store. One pass over the global log in position order, grouped by stream: per stream
// only its last verified link is kept, so memory grows with the number of streams, not of events.
// A stream's revisions must appear in position order, which is how a reordering shows up even when
// every hash still matches.

export type ChainProblem = ChainBreak['problem'] | 'position_order';

export type StreamChainBreak = {
  streamId: string;
  /** The first event of the stream that does not verify. */
  revision: number;
  position: Position;
  problem: ChainProblem;
  detail: string;
};

/** Positions absent from a store whose positions are dense (Postgres, PGlite): deleted events. */
export type PositionGap = { first: Position; last: Position };

export type ChainVerification = {
  streamsChecked: number;
  eventsChecked: number;
  throughPosition: Position;
  breaks: StreamChainBreak[];
  missingPositions: PositionGap[];
};

type StreamCursor = { nextRevision: number; prevHash: string; lastPosition: Position; broken: boolean };

const freshCursor = (): StreamCursor => ({
  nextRevision: 0,
  prevHash: genesisHash,
  lastPosition: startPosition,
  broken: false,
});

/** Checks one event against its stream's last verified link; advances the cursor when it verifies. */
const checkLink = (
  cursor: StreamCursor,
  event: RecordedEvent,
): Omit<StreamChainBreak, 'streamId'> | undefined => {
  const at = { revision: event.revision, position: event.position };
  if (event.position <= cursor.lastPosition) {
    return {
      ...at,
      problem: 'position_order',
      detail: `position ${event.position} is not after the previous event's ${cursor.lastPosition} (reordered)`,
    };
  }
  if (event.revision !== cursor.nextRevision) {
    return {
      ...at,
      problem: 'revision_gap',
      detail: `expected revision ${cursor.nextRevision}, found ${event.revision} (an event is missing or out of order)`,
    };
  }
  const { prevHash, hash } = event.metadata;
  if (prevHash !== cursor.prevHash) {
    return {
      ...at,
      problem: 'prev_hash_mismatch',
      detail: 'prevHash does not match the previous event (an event was removed, reordered or replaced)',
    };
  }
  if (eventHash(prevHash, event.revision, event.type, event.data) !== hash) {
    return {
      ...at,
      problem: 'hash_mismatch',
      detail: 'the stored hash does not cover the stored type and data (the event was edited)',
    };
  }
  cursor.nextRevision += 1;
  cursor.prevHash = hash;
  cursor.lastPosition = event.position;
  return undefined;
};

const streamPageSize = auditReadBatchSize;

const verifyOneStream = async (
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  onProgress: ScanProgress | undefined,
): Promise<ChainVerification> => {
  const cursor = freshCursor();
  const breaks: StreamChainBreak[] = [];
  let eventsChecked = 0;
  let fromRevision = 0;
  for (;;) {
    const page = await store.readStream(streamId, { fromRevision, maxCount: streamPageSize });
    for (const event of page) {
      eventsChecked += 1;
      const found = checkLink(cursor, event);
      if (found) {
        breaks.push({ streamId, ...found });
        break;
      }
    }
    const last = page[page.length - 1];
    onProgress?.({
      after: startPosition,
      position: cursor.lastPosition,
      through: cursor.lastPosition,
      events: eventsChecked,
    });
    if (breaks.length > 0 || page.length < streamPageSize || !last) break;
    fromRevision = last.revision + 1;
  }
  return {
    streamsChecked: eventsChecked > 0 ? 1 : 0,
    eventsChecked,
    throughPosition: cursor.lastPosition,
    breaks,
    missingPositions: [],
  };
};

export type VerifyChainsOptions = {
  store: Pick<EventStore, 'kind' | 'readAll' | 'readStream' | 'headPosition'>;
  /** Only this stream (read in revision order); otherwise every stream in one pass over the log. */
  streamId?: string;
  batchSize?: number;
  onProgress?: ScanProgress;
};

export const verifyStoreChains = async (options: VerifyChainsOptions): Promise<ChainVerification> => {
  const { store } = options;
  if (options.streamId !== undefined) return verifyOneStream(store, options.streamId, options.onProgress);

  const through = await store.headPosition();
  const densePositions = store.kind !== 'esdb';
  const cursors = new Map<string, StreamCursor>();
  const breaks: StreamChainBreak[] = [];
  const missingPositions: PositionGap[] = [];
  let previousPosition = startPosition;
  const noteGap = (after: Position, before: Position) => {
    if (densePositions && before > after + 1n)
      missingPositions.push({ first: after + 1n, last: before - 1n });
  };

  const eventsChecked = await scanLog(
    store,
    { after: startPosition, through },
    (events) => {
      for (const event of events) {
        noteGap(previousPosition, event.position);
        previousPosition = event.position;
        let cursor = cursors.get(event.streamId);
        if (!cursor) {
          cursor = freshCursor();
          cursors.set(event.streamId, cursor);
        }
        if (cursor.broken) continue;
        const found = checkLink(cursor, event);
        if (found) {
          cursor.broken = true;
          breaks.push({ streamId: event.streamId, ...found });
        }
      }
    },
    {
      batchSize: options.batchSize ?? auditReadBatchSize,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  // Events deleted from the end of the log leave the head above the last stored position.
  noteGap(previousPosition, through + 1n);
  return { streamsChecked: cursors.size, eventsChecked, throughPosition: through, breaks, missingPositions };
};

/** True when the verification found nothing wrong. */
export const chainsVerify = (result: ChainVerification): boolean =>
  result.breaks.length === 0 && result.missingPositions.length === 0;
