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

/** Walks the global log in position order over (after, through], one bounded batch at a time. */
export const scanLog = async (
  store: Pick<EventStore, 'readAll'>,
  range: { after: Position; through: Position },
  onBatch: (events: RecordedEvent[]) => void | Promise<void>,
  options: { batchSize?: number; onProgress?: ScanProgress } = {},
): Promise<number> => {
  const batchSize = options.batchSize ?? auditReadBatchSize;
  let position = range.after;
  let events = 0;
  while (position < range.through) {
    const batch = await store.readAll({
      fromPosition: position,
      maxCount: batchSize,
      toPosition: range.through,
    });
    if (batch.length === 0) break;
    await onBatch(batch);
    events += batch.length;
    position = (batch[batch.length - 1] as RecordedEvent).position;
    options.onProgress?.({ after: range.after, position, through: range.through, events });
  }
  return events;
};
