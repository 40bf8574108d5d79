import { Readable } from 'node:stream';
import {
  ANY,
  type AppendExpectedRevision,
  type AppendResult,
  BACKWARDS,
  END,
  type EventData,
  type Filter,
  NO_STREAM,
  type Position,
  type ReadPosition,
  type ReadRevision,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { EsdbClient } from './esdb-client.ts';

// Test support only: an in-memory stand-in for the calls the adapter makes, behaving as EventStoreDB
// documents them — optimistic concurrency per stream; $all positions that are sparse byte offsets with
// commit = prepare per event; a forward read from a position includes it, a backward one excludes it;
// readStream throws StreamNotFoundError; subscriptions catch up, then follow live, filtered by stream
// name regex. It lets the contract suite exercise the adapter's logic here, where no server runs; it is
// not evidence that the adapter works against a real EventStoreDB.

type StoredRecord = {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: true;
  created: Date;
  position: Position;
};

const recordOverheadBytes = 180;

export type FakeEsdbClient = EsdbClient & {
  /** Writes an event as EventStoreDB itself would (system streams, `$` types). */
  appendSystemEvent: (streamId: string, type: string) => void;
};

const asyncIterable = <T>(load: () => T[]) => ({
  async *[Symbol.asyncIterator]() {
    await new Promise((resolve) => setImmediate(resolve));
    yield* load();
  },
  cancel: async () => undefined,
});

export const createFakeEsdbClient = (): FakeEsdbClient => {
  const log: StoredRecord[] = [];
  const streams = new Map<string, StoredRecord[]>();
  const listeners = new Set<(record: StoredRecord) => void>();
  let nextOffset = 1_024n;

  const write = (streamId: string, events: EventData[]): StoredRecord[] => {
    const stream = streams.get(streamId) ?? [];
    streams.set(streamId, stream);
    const written = events.map((event) => {
      const offset = nextOffset;
      nextOffset += BigInt(recordOverheadBytes + JSON.stringify(event.data).length);
      const record: StoredRecord = {
        streamId,
        id: event.id,
        revision: BigInt(stream.length),
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        isJson: true,
        created: new Date(),
        position: { commit: offset, prepare: offset },
      };
      stream.push(record);
      log.push(record);
      return record;
    });
    for (const record of written) for (const listener of listeners) listener(record);
    return written;
  };

  const revisionMatches = (expected: AppendExpectedRevision, current: bigint | undefined) => {
    if (expected === ANY) return true;
    if (expected === NO_STREAM) return current === undefined;
    if (expected === STREAM_EXISTS) return current !== undefined;
    return expected === current;
  };

  const client = {
    appendToStream: async (
      streamId: string,
      events: EventData | EventData[],
      options: { expectedRevision?: AppendExpectedRevision } = {},
    ): Promise<AppendResult> => {
      await new Promise((resolve) => setImmediate(resolve));
      const expected = options.expectedRevision ?? ANY;
      const stream = streams.get(streamId);
      const current = stream ? BigInt(stream.length - 1) : undefined;
      if (!revisionMatches(expected, current)) {
        throw new WrongExpectedVersionError(undefined, {
          streamName: streamId,
          expected,
          current: current ?? NO_STREAM,
        });
      }
      const written = write(streamId, Array.isArray(events) ? events : [events]);
      const first = written[0] as StoredRecord;
      const last = written[written.length - 1] as StoredRecord;
      // Like the server: the commit is the last event's log position, the prepare the transaction's start.
      return {
        success: true,
        nextExpectedRevision: last.revision,
        position: { commit: last.position.commit, prepare: first.position.prepare },
      };
    },
    readStream: (
      streamId: string,
      options: { fromRevision?: ReadRevision; maxCount?: number | bigint; direction?: string } = {},
    ) =>
      asyncIterable(() => {
        const stream = streams.get(streamId);
        if (!stream) throw new StreamNotFoundError(undefined, streamId);
        const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
        const from = options.fromRevision ?? (options.direction === BACKWARDS ? END : START);
        if (options.direction === BACKWARDS) {
          const start = from === END ? stream.length - 1 : from === START ? -1 : Number(from);
          return stream
            .slice(0, start + 1)
            .reverse()
            .slice(0, maxCount)
            .map((event) => ({ event }));
        }
        const start = from === START ? 0 : from === END ? stream.length : Number(from);
        return stream.slice(start, start + maxCount).map((event) => ({ event }));
      }),
    readAll: (
      options: { fromPosition?: ReadPosition; maxCount?: number | bigint; direction?: string } = {},
    ) =>
      asyncIterable(() => {
        const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
        const from = options.fromPosition ?? (options.direction === BACKWARDS ? END : START);
        const chosen =
          options.direction === BACKWARDS
            ? log
                .filter((record) => from === END || (from !== START && record.position.commit < from.commit))
                .reverse()
            : log.filter(
                (record) => from === START || (from !== END && record.position.commit >= from.commit),
              );
        return chosen.slice(0, maxCount).map((event) => ({ event, commitPosition: event.position.commit }));
      }),
    subscribeToAll: (options: { fromPosition?: ReadPosition; filter?: Filter } = {}) => {
      const from = options.fromPosition ?? START;
      const pattern =
        options.filter && 'regex' in options.filter ? new RegExp(options.filter.regex) : undefined;
      const passes = (record: StoredRecord) =>
        (from === START || (from !== END && record.position.commit > from.commit)) &&
        (!pattern || pattern.test(record.streamId));
      const source = new Readable({ objectMode: true, read: () => undefined });
      const listener = (record: StoredRecord) => {
        if (passes(record)) source.push({ event: record, commitPosition: record.position.commit });
      };
      setImmediate(() => {
        for (const record of log) listener(record);
        listeners.add(listener);
      });
      return Object.assign(source, {
        unsubscribe: async () => {
          listeners.delete(listener);
          source.push(null);
        },
      });
    },
    dispose: async () => {
      listeners.clear();
    },
    appendSystemEvent: (streamId: string, type: string) => {
      write(streamId, [
        { id: crypto.randomUUID(), type, data: {}, metadata: undefined, contentType: 'application/json' },
      ]);
    },
  };
  return client as unknown as FakeEsdbClient;
};
