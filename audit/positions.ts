import { type EventStore, type Position, type RecordedEvent, startPosition } from '../ledger-core/index.ts';

// Time → position. The store assigns recordedAt under its append lock and never lets it go backwards,
// so "recorded at or before T" is true for a prefix of the global log and a binary search over
// positions finds where that prefix ends in O(log n) single-event reads.

type PositionReader = Pick<EventStore, 'readAll' | 'headPosition'>;

const recordedAtMs = (event: RecordedEvent): number => Date.parse(event.metadata.recordedAt);

/**
 * The last position whose event satisfies `holds`, where `holds` is true for a prefix of the log
 * (startPosition when it holds for no event). Positions may be sparse (EventStoreDB): every probe asks
 * for the first event at or after the middle of the remaining range.
 */
export const lastPositionWhere = async (
  store: PositionReader,
  holds: (event: RecordedEvent) => boolean,
): Promise<Position> => {
  let low = startPosition;
  let high = await store.headPosition();
  while (low < high) {
    const middle = (low + high + 1n) / 2n;
    const [event] = await store.readAll({ fromPosition: middle - 1n, maxCount: 1, toPosition: high });
    if (event && holds(event)) low = event.position;
    else high = middle - 1n;
  }
  return low;
};

/** The last position recorded at or before the instant: what "as of T" means (startPosition if none). */
export const positionAsOf = (store: PositionReader, asOf: Date): Promise<Position> =>
  lastPositionWhere(store, (event) => recordedAtMs(event) <= asOf.getTime());

/** The positions (after, through] of the events recorded in the half-open interval [start, end). */
export const positionRangeRecordedIn = async (
  store: PositionReader,
  interval: { start: Date; end: Date },
): Promise<{ after: Position; through: Position }> => ({
  after: await lastPositionWhere(store, (event) => recordedAtMs(event) < interval.start.getTime()),
  through: await lastPositionWhere(store, (event) => recordedAtMs(event) < interval.end.getTime()),
});
