import { describe, expect, it } from 'vitest';
import type { EventStore, Position, RecordedEvent } from '../ledger-core/index.ts';
import { positionAsOf, positionRangeRecordedIn } from './positions.ts';

/** The part of a store the binary search reads, over sparse positions as EventStoreDB has them. */
const sparseStore = (entries: Array<[Position, string]>): Pick<EventStore, 'readAll' | 'headPosition'> => {
  const events = entries.map(
    ([position, recordedAt]) => ({ position, metadata: { recordedAt } }) as unknown as RecordedEvent,
  );
  return {
    headPosition: async () => events.at(-1)?.position ?? 0n,
    readAll: async ({ fromPosition, maxCount, toPosition }) =>
      events
        .filter(
          (event) =>
            event.position > fromPosition && (toPosition === undefined || event.position <= toPosition),
        )
        .slice(0, maxCount),
  };
};

const store = sparseStore([
  [3n, '2024-05-01T00:00:00.000Z'],
  [10n, '2024-05-01T00:00:01.000Z'],
  [11n, '2024-05-01T00:00:01.000Z'],
  [57n, '2024-05-01T00:00:05.000Z'],
  [1_000n, '2024-05-02T00:00:00.000Z'],
]);

describe('time to position', () => {
  it.each([
    ['2024-04-30T23:59:59.999Z', 0n],
    ['2024-05-01T00:00:00.000Z', 3n],
    ['2024-05-01T00:00:00.500Z', 3n],
    ['2024-05-01T00:00:01.000Z', 11n],
    ['2024-05-01T00:00:04.999Z', 11n],
    ['2024-05-01T12:00:00.000Z', 57n],
    ['2024-06-01T00:00:00.000Z', 1_000n],
  ])('as of %s is position %s', async (asOf, expected) => {
    expect(await positionAsOf(store, new Date(asOf))).toBe(expected);
  });

  it('finds the positions recorded in a half-open interval', async () => {
    const range = await positionRangeRecordedIn(store, {
      start: new Date('2024-05-01T00:00:01.000Z'),
      end: new Date('2024-05-02T00:00:00.000Z'),
    });
    expect(range).toEqual({ after: 3n, through: 57n });
  });

  it('answers the start of the log for an empty store', async () => {
    expect(await positionAsOf(sparseStore([]), new Date())).toBe(0n);
  });
});
