import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendToStream,
  DuplicateTransactionError,
  type EventStore,
  type NewEvent,
  type Position,
  type RecordedEvent,
  verifyChain,
  WrongExpectedRevisionError,
} from '../ledger-core/index.ts';

// The event store contract: every adapter (Postgres, PGlite, EventStoreDB) runs this same suite.

export type StoreUnderTest = { store: EventStore; cleanup: () => Promise<void> };

let eventCounter = 0;
export const testEvent = (type = 'TestHappened', txId?: string): NewEvent => {
  eventCounter += 1;
  return {
    type,
    data: { n: eventCounter, note: 'contract' },
    metadata: {
      schemaVersion: 1,
      ...(txId ? { txId } : {}),
      correlationId: `c-${eventCounter}`,
      causationId: `c-${eventCounter}`,
      actor: { type: 'system', id: 'contract-test' },
      occurredAt: new Date().toISOString(),
    },
  };
};

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

const followUntil = async (
  store: EventStore,
  fromPosition: Position,
  count: number,
  maxBatchSize: number,
  timeoutMs = 20_000,
) => {
  const seen: RecordedEvent[] = [];
  let resolveDone: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const subscription = store.subscribeToAll({
    fromPosition,
    maxBatchSize,
    onBatch: async (batch) => {
      seen.push(...batch);
      if (seen.length >= count) resolveDone();
    },
  });
  return {
    seen,
    finish: async () => {
      const timer = new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error(`follower saw ${seen.length} of ${count}`)), timeoutMs),
      );
      await Promise.race([reached, timer]);
      await subscription.stop();
      return seen;
    },
  };
};

export const eventStoreContract = (name: string, open: () => Promise<StoreUnderTest>) => {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => cleanup());

    it('round-trips events of a stream with revisions from 0 and a verifying hash chain', async () => {
      const streamId = unique('account');
      const written = [testEvent(), testEvent(), testEvent()];
      const result = await appendToStream(store, streamId, written, 'no_stream');
      expect(result.nextRevision).toBe(2);
      const read = await store.readStream(streamId);
      expect(read.map((event) => event.revision)).toEqual([0, 1, 2]);
      expect(read.map((event) => event.data)).toEqual(written.map((event) => event.data));
      expect(read.map((event) => event.metadata.correlationId)).toEqual(
        written.map((e) => e.metadata.correlationId),
      );
      expect(read.every((event) => event.streamId === streamId)).toBe(true);
      const links = read.map((event) => ({
        ...event,
        prevHash: event.metadata.prevHash,
        hash: event.metadata.hash,
      }));
      expect(verifyChain(links)).toBeUndefined();
      expect(await store.readStream(streamId, { fromRevision: 1, maxCount: 1 })).toHaveLength(1);
      expect(await store.readStream(unique('missing'))).toEqual([]);
    });

    it('enforces expected revisions: no_stream, exact, stream_exists and any', async () => {
      const streamId = unique('account');
      await appendToStream(store, streamId, [testEvent()], 'no_stream');
      await expect(appendToStream(store, streamId, [testEvent()], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(appendToStream(store, streamId, [testEvent()], 5)).rejects.toMatchObject({ actual: 0 });
      await appendToStream(store, streamId, [testEvent()], 0);
      await appendToStream(store, streamId, [testEvent()], 'stream_exists');
      await appendToStream(store, streamId, [testEvent()], 'any');
      await expect(
        appendToStream(store, unique('none'), [testEvent()], 'stream_exists'),
      ).rejects.toMatchObject({
        actual: 'no_stream',
      });
      expect((await store.readStream(streamId)).map((event) => event.revision)).toEqual([0, 1, 2, 3]);
    });

    it('settles each request of a batch on its own', async () => {
      const good = unique('good');
      const stale = unique('stale');
      await appendToStream(store, stale, [testEvent()], 'no_stream');
      const outcomes = await store.appendBatch([
        { streamId: good, expectedRevision: 'no_stream', events: [testEvent()] },
        { streamId: stale, expectedRevision: 'no_stream', events: [testEvent()] },
        { streamId: good, expectedRevision: 0, events: [testEvent()] },
      ]);
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
      expect(outcomes[1]).toMatchObject({ reason: 'wrong_expected_revision', actualRevision: 0 });
      expect(await store.readStream(good)).toHaveLength(2);
      expect(await store.readStream(stale)).toHaveLength(1);
    });

    it('records a txId once in the whole ledger, however it comes back', async () => {
      const txId = unique('tx');
      const first = unique('account');
      const second = unique('account');
      const written = await appendToStream(store, first, [testEvent('ToppedUp', txId)], 'no_stream');
      await expect(
        appendToStream(store, second, [testEvent('ToppedUp', txId)], 'any'),
      ).rejects.toBeInstanceOf(DuplicateTransactionError);
      const sameBatch = await store.appendBatch([
        { streamId: unique('a'), expectedRevision: 'any', events: [testEvent('ToppedUp', `${txId}-b`)] },
        { streamId: unique('a'), expectedRevision: 'any', events: [testEvent('ToppedUp', `${txId}-b`)] },
      ]);
      expect(sameBatch.map((outcome) => outcome.ok)).toEqual([true, false]);
      expect(sameBatch[1]).toMatchObject({ reason: 'duplicate_tx', txId: `${txId}-b` });
      expect(await store.findTransaction(txId)).toEqual({
        txId,
        streamId: first,
        revision: 0,
        position: written.events[0]?.position,
      });
      expect(await store.findTransaction(unique('never'))).toBeUndefined();
      expect(await store.readStream(second)).toEqual([]);
    });

    it('reads the global log in position order, from an exclusive position, bounded by count and position', async () => {
      const before = await store.headPosition();
      const streams = [unique('s'), unique('s'), unique('s')];
      for (let round = 0; round < 3; round += 1) {
        for (const streamId of streams) await appendToStream(store, streamId, [testEvent()], 'any');
      }
      const all = await store.readAll({ fromPosition: before, maxCount: 100 });
      expect(all).toHaveLength(9);
      const positions = all.map((event) => event.position);
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
      expect(new Set(positions).size).toBe(9);
      expect(await store.headPosition()).toBe(positions[8]);
      const firstTwo = await store.readAll({ fromPosition: before, maxCount: 2 });
      expect(firstTwo.map((event) => event.position)).toEqual(positions.slice(0, 2));
      const rest = await store.readAll({ fromPosition: positions[1] as bigint, maxCount: 100 });
      expect(rest.map((event) => event.position)).toEqual(positions.slice(2));
      const bounded = await store.readAll({ fromPosition: before, maxCount: 100, toPosition: positions[4] });
      expect(bounded.map((event) => event.position)).toEqual(positions.slice(0, 5));
    });

    it('subscribes: catches up, then follows live appends', async () => {
      const before = await store.headPosition();
      const streamId = unique('live');
      await appendToStream(store, streamId, [testEvent(), testEvent()], 'no_stream');
      const seen: RecordedEvent[] = [];
      let notify: () => void = () => undefined;
      const subscription = store.subscribeToAll({
        fromPosition: before,
        onBatch: async (batch) => {
          seen.push(...batch.filter((event) => event.streamId === streamId));
          notify();
        },
      });
      const waitFor = (count: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`saw ${seen.length} of ${count}`)), 10_000);
          notify = () => {
            if (seen.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          };
          notify();
        });
      await waitFor(2);
      await appendToStream(store, streamId, [testEvent()], 1);
      await waitFor(3);
      await subscription.stop();
      expect(seen.map((event) => event.revision)).toEqual([0, 1, 2]);
    });

    it('never lets a follower skip or repeat an event while many writers commit concurrently', async () => {
      const writers = 8;
      const appendsPerWriter = 40;
      const total = writers * appendsPerWriter;
      const before = await store.headPosition();
      // Positions are ordered but not necessarily dense (EventStoreDB's are log offsets): follow from
      // `before` and count events rather than deriving a count from a position.
      const follower = await followUntil(store, before, total, 7);
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          const streamId = unique(`w${writer}`);
          for (let index = 0; index < appendsPerWriter; index += 1) {
            await store.appendBatch([{ streamId, expectedRevision: 'any', events: [testEvent()] }]);
          }
        }),
      );
      const seen = (await follower.finish()).filter((event) => event.position > before);
      const everything = await store.readAll({ fromPosition: before, maxCount: total + 1 });
      expect(everything).toHaveLength(total);
      const firstDifference = seen.findIndex((event, index) => event.eventId !== everything[index]?.eventId);
      expect(
        firstDifference,
        JSON.stringify([seen[firstDifference], everything[firstDifference]], (_, v) =>
          typeof v === 'bigint' ? v.toString() : v,
        ),
      ).toBe(-1);
    });
  });
};
