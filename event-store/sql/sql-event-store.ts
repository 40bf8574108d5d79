import { randomUUID } from 'node:crypto';
import {
  type AppendOutcome,
  type AppendRequest,
  canonicalJson,
  type EventStore,
  type Position,
  type RecordedEvent,
  type TransactionLocation,
} from '../../ledger-core/index.ts';
import { createAppendSignal, pollingSubscription } from '../polling-subscription.ts';
import type { SqlClient } from './sql-client.ts';

type EventRow = {
  position: string;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
};

const eventColumns = 'position::text AS position, event_id, stream_id, revision, type, data, metadata';

const toRecorded = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  streamId: row.stream_id,
  revision: row.revision,
  position: BigInt(row.position),
  type: row.type,
  data: row.data,
  metadata: row.metadata,
});

/** An accepted request is the line `ok <firstPosition> <firstRevision> <prevHash> <hash>…`. */
type AppendFunctionOutcome =
  | string
  | { ok: false; reason: 'wrong_expected_revision'; actual: number }
  | { ok: false; reason: 'duplicate_tx'; txId: string; existingStreamId: string };
type AppendFunctionResult = { recordedAt: string; outcomes: AppendFunctionOutcome[] };

/** What ledger_append (append-function.ts) needs of each request, with event ids assigned here. */
const toFunctionRequests = (requests: AppendRequest[]) =>
  requests.map((request) => ({
    streamId: request.streamId,
    expected: String(request.expectedRevision),
    events: request.events.map((event) => ({
      eventId: randomUUID(),
      type: event.type,
      canonical: canonicalJson(event.data),
      metadata: event.metadata,
    })),
  }));

const toOutcome = (
  request: AppendRequest,
  sent: ReturnType<typeof toFunctionRequests>[number],
  outcome: AppendFunctionOutcome,
  recordedAt: string,
): AppendOutcome => {
  if (typeof outcome !== 'string') {
    return outcome.reason === 'wrong_expected_revision'
      ? {
          ok: false,
          reason: 'wrong_expected_revision',
          streamId: request.streamId,
          actualRevision: outcome.actual < 0 ? 'no_stream' : outcome.actual,
        }
      : {
          ok: false,
          reason: 'duplicate_tx',
          streamId: request.streamId,
          txId: outcome.txId,
          existingStreamId: outcome.existingStreamId,
        };
  }
  const [, firstPositionText, firstRevisionText, firstPrevHash, ...hashes] = outcome.split(' ');
  const firstPosition = BigInt(firstPositionText as string);
  const firstRevision = Number(firstRevisionText);
  let prevHash = firstPrevHash as string;
  const events = request.events.map((event, index): RecordedEvent => {
    const hash = hashes[index] as string;
    const recorded: RecordedEvent = {
      eventId: sent.events[index]?.eventId as string,
      streamId: request.streamId,
      revision: firstRevision + index,
      position: firstPosition + BigInt(index),
      type: event.type,
      data: event.data,
      metadata: { ...event.metadata, recordedAt, prevHash, hash },
    };
    prevHash = hash;
    return recorded;
  });
  return { ok: true, nextRevision: firstRevision + request.events.length - 1, events };
};

export type SqlEventStoreOptions = {
  /** The clock for recordedAt; recordedAt never goes backwards whatever the clock does. */
  now?: () => Date;
};

export const createSqlEventStore = (sql: SqlClient, options: SqlEventStoreOptions = {}): EventStore => {
  const now = options.now ?? (() => new Date());
  const appended = createAppendSignal();

  const readAll = async ({
    fromPosition,
    maxCount,
    toPosition,
  }: {
    fromPosition: Position;
    maxCount: number;
    toPosition?: Position;
  }) => {
    const rows = await sql.query<EventRow>(
      `SELECT ${eventColumns} FROM ledger_events
        WHERE position > $1 AND ($3::bigint IS NULL OR position <= $3::bigint)
        ORDER BY ledger_events.position LIMIT $2`,
      [fromPosition.toString(), maxCount, toPosition === undefined ? null : toPosition.toString()],
    );
    return rows.map(toRecorded);
  };

  return {
    kind: sql.dialect,
    appendBatch: async (requests) => {
      if (requests.length === 0) return [];
      // One statement: ledger_append takes the ledger_head row lock, so appenders are serialised and
      // commit in position order — no reader of the global log can see position n+1 before n.
      const sent = toFunctionRequests(requests);
      const [row] = await sql.query<{ result: AppendFunctionResult }>(
        'SELECT ledger_append($1::jsonb, $2) AS result',
        [JSON.stringify(sent), now().toISOString()],
      );
      if (!row) throw new Error('ledger_append returned nothing');
      const { recordedAt, outcomes } = row.result;
      const result = requests.map((request, index) =>
        toOutcome(
          request,
          sent[index] as (typeof sent)[number],
          outcomes[index] as AppendFunctionOutcome,
          recordedAt,
        ),
      );
      if (result.some((outcome) => outcome.ok)) appended.notify();
      return result;
    },
    readStream: async (streamId, { fromRevision = 0, maxCount = 2_147_483_647 } = {}) => {
      const rows = await sql.query<EventRow>(
        `SELECT ${eventColumns} FROM ledger_events
          WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
        [streamId, fromRevision, maxCount],
      );
      return rows.map(toRecorded);
    },
    readAll,
    subscribeToAll: (subscribeOptions) => pollingSubscription(readAll, appended, subscribeOptions),
    headPosition: async () => {
      const [row] = await sql.query<{ position: string }>(
        'SELECT position::text AS position FROM ledger_head WHERE id = 1',
      );
      return BigInt(row?.position ?? 0);
    },
    findTransaction: async (txId): Promise<TransactionLocation | undefined> => {
      const [row] = await sql.query<{ stream_id: string; revision: number; position: string }>(
        'SELECT stream_id, revision, position::text AS position FROM ledger_events WHERE tx_id = $1',
        [txId],
      );
      return row
        ? { txId, streamId: row.stream_id, revision: row.revision, position: BigInt(row.position) }
        : undefined;
    },
    close: () => sql.close(),
  };
};
