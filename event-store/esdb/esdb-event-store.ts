import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  type Position as EsdbPosition,
  EventStoreDBClient,
  FORWARDS,
  StreamNotFoundError,
} from '@eventstore/db-client';
import type { EventStore, Position, RecordedEvent } from '../../ledger-core/index.ts';
import { appendOne, createAppendScheduler } from './append.ts';
import type { EsdbClient } from './esdb-client.ts';
import { isLedgerEvent, toEsdbReadPosition, toLedgerPosition } from './positions.ts';
import { toRecordedEvent } from './recorded-event.ts';
import { findTransaction } from './reservations.ts';
import { esdbSubscription } from './subscription.ts';

export type EsdbEventStoreOptions = ({ connectionString: string } | { client: EsdbClient }) & {
  /** The clock for recordedAt (the appending process's clock on EventStoreDB). */
  now?: () => Date;
};

/** $all is read in pages; reservation and system events are dropped client-side, so pages overshoot. */
const allReadPageSize = 500;

const positionOfAny = (resolved: AllStreamResolvedEvent): bigint | undefined =>
  resolved.event?.position.commit ?? resolved.commitPosition;

const readAllPage = async (
  client: EsdbClient,
  fromPosition: EsdbPosition | typeof END | 'start',
  direction: typeof FORWARDS | typeof BACKWARDS,
): Promise<AllStreamResolvedEvent[]> => {
  const page: AllStreamResolvedEvent[] = [];
  for await (const resolved of client.readAll({ fromPosition, maxCount: allReadPageSize, direction })) {
    page.push(resolved);
  }
  return page;
};

export const createEsdbEventStore = (options: EsdbEventStoreOptions): EventStore => {
  const client: EsdbClient =
    'client' in options ? options.client : EventStoreDBClient.connectionString(options.connectionString);
  const now = options.now ?? (() => new Date());
  const scheduler = createAppendScheduler((request) => appendOne(client, request, now));

  const readAll: EventStore['readAll'] = async ({ fromPosition, maxCount, toPosition }) => {
    const events: RecordedEvent[] = [];
    let after = fromPosition;
    for (;;) {
      const page = await readAllPage(client, toEsdbReadPosition(after), FORWARDS);
      for (const resolved of page) {
        const position = positionOfAny(resolved);
        // Reads from a position include the event at it; the port's fromPosition is exclusive.
        if (position === undefined || position <= after) continue;
        after = position;
        const event = resolved.event;
        if (!event || !isLedgerEvent(event.streamId, event.type)) continue;
        const recorded = toRecordedEvent(event);
        if (toPosition !== undefined && recorded.position > toPosition) return events;
        events.push(recorded);
        if (events.length >= maxCount) return events;
      }
      if (page.length < allReadPageSize) return events;
    }
  };

  const headPosition = async (): Promise<Position> => {
    let before: EsdbPosition | typeof END = END;
    for (;;) {
      const page = await readAllPage(client, before, BACKWARDS);
      for (const resolved of page) {
        const event = resolved.event;
        if (event && isLedgerEvent(event.streamId, event.type)) {
          return toLedgerPosition(event.position, `event ${event.id}`);
        }
      }
      const last = page[page.length - 1]?.event?.position;
      if (page.length < allReadPageSize || !last) return 0n;
      before = last;
    }
  };

  return {
    kind: 'esdb',
    appendBatch: scheduler.appendBatch,
    readStream: async (streamId, { fromRevision = 0, maxCount = Number.MAX_SAFE_INTEGER } = {}) => {
      const events: RecordedEvent[] = [];
      try {
        for await (const resolved of client.readStream(streamId, {
          fromRevision: BigInt(fromRevision),
          maxCount,
        })) {
          if (resolved.event) events.push(toRecordedEvent(resolved.event));
        }
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      return events;
    },
    readAll,
    subscribeToAll: (subscribeOptions) => esdbSubscription(client, subscribeOptions),
    headPosition,
    findTransaction: (txId) => findTransaction(client, txId),
    close: () => client.dispose(),
  };
};
