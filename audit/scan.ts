import type { EventStore, Position, RecordedEvent } from '../ledger-core/index.ts';

/** Events per readAll while an audit walks the log: large enough to amortise a round trip. */
export const auditReadBatchSize = 5_000;

/** Where a walk over (after, through] stands: `position` is the last one done. */
export type ScanProgress = (info: {
  after: Position;
  position: Position;
  through: Position;
  events: number;
}) => void;

/**
 * Walks the global log in position order over (after, through], one bounded batch at a time. The next
 * batch is read while the current one is handled, so the database and the handler work in parallel;
 * at most two batches are in memory.
 */
export const scanLog = async (
  store: Pick<EventStore, 'readAll'>,
  range: { after: Position; through: Position },
  onBatch: (events: RecordedEvent[]) => void | Promise<void>,
  options: { batchSize?: number; onProgress?: ScanProgress } = {},
): Promise<number> => {
  const batchSize = options.batchSize ?? auditReadBatchSize;
  const read = (fromPosition: Position): Promise<RecordedEvent[]> => {
    if (fromPosition >= range.through) return Promise.resolve([]);
    const reading = store.readAll({ fromPosition, maxCount: batchSize, toPosition: range.through });
    // If handling the current batch fails first, this read's own failure must not go unhandled.
    reading.catch(() => undefined);
    return reading;
  };
  let events = 0;
  let next = read(range.after);
  for (;;) {
    const batch = await next;
    const last = batch[batch.length - 1];
    if (!last) break;
    next = read(last.position);
    await onBatch(batch);
    events += batch.length;
    options.onProgress?.({ after: range.after, position: last.position, through: range.through, events });
  }
  return events;
};
