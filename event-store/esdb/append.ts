import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  jsonEvent,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type AppendOutcome,
  type AppendRequest,
  type EventMetadata,
  eventHash,
  genesisHash,
  type RecordedEvent,
  revisionMatches,
} from '../../ledger-core/index.ts';
import type { EsdbClient } from './esdb-client.ts';
import { toLedgerPosition } from './positions.ts';
import { toRecordedEvent } from './recorded-event.ts';
import { reserveTxId } from './reservations.ts';

// One append request: read the stream's last event (revision and hash), check the expected revision,
// reserve the txIds, then append with the exact revision just read, so the hash chain is computed on the
// true predecessor. A request that expected `any` or `stream_exists` is chained again when another writer
// got in between; one with an exact expectation gets wrong_expected_revision, as on every adapter.

// Only other processes can get in between: this process runs the appends of one stream in order.
const maxRechainAttempts = 10;
const rechainBackoffMs = 20;

type StreamHead = { revision: number; lastHash: string };

const readHead = async (client: EsdbClient, streamId: string): Promise<StreamHead | undefined> => {
  try {
    for await (const resolved of client.readStream(streamId, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    })) {
      if (!resolved.event) continue;
      const metadata = resolved.event.metadata as Partial<EventMetadata> | undefined;
      if (typeof metadata?.hash !== 'string') {
        throw new Error(`last event of ${streamId} carries no hash: not written by the ledger`);
      }
      return { revision: Number(resolved.event.revision), lastHash: metadata.hash };
    }
    return undefined;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
};

const txIdsOf = (request: AppendRequest): string[] => [
  ...new Set(request.events.flatMap((event) => (event.metadata.txId ? [event.metadata.txId] : []))),
];

const wrongRevision = (streamId: string, actual: number | 'no_stream'): AppendOutcome => ({
  ok: false,
  reason: 'wrong_expected_revision',
  streamId,
  actualRevision: actual,
});

/** Positions of the events just written: from the append result for one event, else read back. */
const recordedAfterAppend = async (
  client: EsdbClient,
  request: AppendRequest,
  planned: RecordedEvent[],
  appendPosition: { commit: bigint; prepare: bigint } | undefined,
): Promise<RecordedEvent[]> => {
  const [only] = planned;
  if (only && planned.length === 1 && appendPosition && appendPosition.commit === appendPosition.prepare) {
    return [{ ...only, position: toLedgerPosition(appendPosition, `event ${only.eventId}`) }];
  }
  const read: RecordedEvent[] = [];
  for await (const resolved of client.readStream(request.streamId, {
    fromRevision: BigInt(planned[0]?.revision ?? 0),
    maxCount: planned.length,
  })) {
    if (resolved.event) read.push(toRecordedEvent(resolved.event));
  }
  if (read.map((event) => event.eventId).join() !== planned.map((event) => event.eventId).join()) {
    throw new Error(`events read back from ${request.streamId} are not the ones appended`);
  }
  return read;
};

export const appendOne = async (
  client: EsdbClient,
  request: AppendRequest,
  now: () => Date,
): Promise<AppendOutcome> => {
  const { streamId } = request;
  const exact = typeof request.expectedRevision === 'number' || request.expectedRevision === 'no_stream';
  for (let attempt = 1; ; attempt += 1) {
    const head = await readHead(client, streamId);
    const current = head?.revision ?? -1;
    if (!revisionMatches(request.expectedRevision, current)) {
      return wrongRevision(streamId, head ? current : 'no_stream');
    }
    for (const txId of txIdsOf(request)) {
      const reservation = await reserveTxId(client, { txId, streamId, firstRevision: current + 1 });
      if (!reservation.reserved) {
        return {
          ok: false,
          reason: 'duplicate_tx',
          streamId,
          txId,
          existingStreamId: reservation.existingStreamId,
        };
      }
    }

    const recordedAt = now().toISOString();
    let prevHash = head?.lastHash ?? genesisHash;
    const planned: RecordedEvent[] = request.events.map((event, index) => {
      const revision = current + 1 + index;
      const hash = eventHash(prevHash, revision, event.type, event.data);
      const metadata: EventMetadata = { ...event.metadata, recordedAt, prevHash, hash };
      prevHash = hash;
      return {
        eventId: randomUUID(),
        streamId,
        revision,
        position: 0n,
        type: event.type,
        data: event.data,
        metadata,
      };
    });
    try {
      const result = await client.appendToStream(
        streamId,
        planned.map((event) =>
          jsonEvent({
            id: event.eventId,
            type: event.type,
            data: event.data as never,
            metadata: event.metadata,
          }),
        ),
        { expectedRevision: head ? BigInt(current) : NO_STREAM },
      );
      const events = await recordedAfterAppend(client, request, planned, result.position);
      return { ok: true, nextRevision: current + request.events.length, events };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (exact) {
        const actual = error.actualVersion;
        return wrongRevision(streamId, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      if (attempt >= maxRechainAttempts) {
        throw new Error(`${streamId}: other processes kept appending; gave up after ${attempt} attempts`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * rechainBackoffMs * attempt));
    }
  }
};

/**
 * Group commit on EventStoreDB: every request is its own append, all in parallel, except that requests
 * for the same stream or carrying the same txId run one after another in arrival order — within a batch
 * and across batches of this process — so a batch behaves as if applied in order (as the SQL adapters do
 * in one transaction) and this process never races itself on a stream.
 */
export const createAppendScheduler = (append: (request: AppendRequest) => Promise<AppendOutcome>) => {
  const lastOfKey = new Map<string, Promise<void>>();
  const schedule = (request: AppendRequest): Promise<AppendOutcome> => {
    const keys = [`stream:${request.streamId}`, ...txIdsOf(request).map((txId) => `tx:${txId}`)];
    const before = keys.flatMap((key) => {
      const previous = lastOfKey.get(key);
      return previous ? [previous] : [];
    });
    const outcome = Promise.all(before).then(() => append(request));
    const settled: Promise<void> = outcome.then(
      () => undefined,
      () => undefined,
    );
    for (const key of keys) lastOfKey.set(key, settled);
    void settled.then(() => {
      for (const key of keys) if (lastOfKey.get(key) === settled) lastOfKey.delete(key);
    });
    return outcome;
  };
  return { appendBatch: (requests: AppendRequest[]) => Promise.all(requests.map(schedule)) };
};
