import { randomUUID } from 'node:crypto';
import {
  type AppendOutcome,
  type AppendRequest,
  type EventStore,
  eventHash,
  genesisHash,
  type Position,
  type RecordedEvent,
  revisionMatches,
  type TransactionLocation,
} from '../../ledger-core/index.ts';
import { createAppendSignal, pollingSubscription } from '../polling-subscription.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';

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

type StreamHead = { revision: number; lastHash: string };

type PlannedEvent = {
  position: string;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  tx_id: string | null;
  recorded_at: string;
};

const readHeads = async (
  tx: SqlQueryable,
  requests: AppendRequest[],
): Promise<{ streams: Map<string, StreamHead>; txOwners: Map<string, string> }> => {
  const streamIds = [...new Set(requests.map((request) => request.streamId))];
  const txIds = requests.flatMap((request) =>
    request.events.flatMap((event) => (event.metadata.txId ? [event.metadata.txId] : [])),
  );
  const rows = await tx.query<{ kind: string; key: string; revision: number | null; extra: string }>(
    `SELECT 's' AS kind, stream_id AS key, revision, last_hash AS extra
       FROM ledger_streams WHERE stream_id IN (SELECT jsonb_array_elements_text($1::jsonb))
     UNION ALL
     SELECT 't', tx_id, NULL, stream_id
       FROM ledger_events WHERE tx_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [JSON.stringify(streamIds), JSON.stringify(txIds)],
  );
  const streams = new Map<string, StreamHead>();
  const txOwners = new Map<string, string>();
  for (const row of rows) {
    if (row.kind === 's') streams.set(row.key, { revision: row.revision as number, lastHash: row.extra });
    else txOwners.set(row.key, row.extra);
  }
  return { streams, txOwners };
};

/**
 * Decides each request against the stream heads and the known txIds, in order, so that two requests
 * of one batch for the same stream or with the same txId see each other.
 */
const planBatch = (
  requests: AppendRequest[],
  heads: { streams: Map<string, StreamHead>; txOwners: Map<string, string> },
  headPosition: bigint,
  recordedAt: string,
): { outcomes: AppendOutcome[]; rows: PlannedEvent[]; position: bigint } => {
  const outcomes: AppendOutcome[] = [];
  const rows: PlannedEvent[] = [];
  let position = headPosition;
  for (const request of requests) {
    const head = heads.streams.get(request.streamId);
    const current = head?.revision ?? -1;
    if (!revisionMatches(request.expectedRevision, current)) {
      outcomes.push({
        ok: false,
        reason: 'wrong_expected_revision',
        streamId: request.streamId,
        actualRevision: head ? current : 'no_stream',
      });
      continue;
    }
    const taken = request.events
      .map((event) => event.metadata.txId)
      .find((txId) => txId !== undefined && heads.txOwners.has(txId));
    if (taken !== undefined) {
      outcomes.push({
        ok: false,
        reason: 'duplicate_tx',
        streamId: request.streamId,
        txId: taken,
        existingStreamId: heads.txOwners.get(taken) as string,
      });
      continue;
    }
    let revision = current;
    let prevHash = head?.lastHash ?? genesisHash;
    const recorded: RecordedEvent[] = [];
    for (const event of request.events) {
      revision += 1;
      position += 1n;
      const hash = eventHash(prevHash, revision, event.type, event.data);
      const metadata = { ...event.metadata, recordedAt, prevHash, hash };
      const row: PlannedEvent = {
        position: position.toString(),
        event_id: randomUUID(),
        stream_id: request.streamId,
        revision,
        type: event.type,
        data: event.data,
        metadata,
        tx_id: event.metadata.txId ?? null,
        recorded_at: recordedAt,
      };
      rows.push(row);
      recorded.push(toRecorded(row));
      if (event.metadata.txId) heads.txOwners.set(event.metadata.txId, request.streamId);
      prevHash = hash;
    }
    heads.streams.set(request.streamId, { revision, lastHash: prevHash });
    outcomes.push({ ok: true, nextRevision: revision, events: recorded });
  }
  return { outcomes, rows, position };
};

const writePlanned = async (tx: SqlQueryable, rows: PlannedEvent[], position: bigint, recordedAt: string) => {
  const lastOfStream = new Map<string, { stream_id: string; revision: number; last_hash: string }>();
  for (const row of rows) {
    lastOfStream.set(row.stream_id, {
      stream_id: row.stream_id,
      revision: row.revision,
      last_hash: row.metadata.hash,
    });
  }
  await tx.query(
    `WITH new_events AS (
       INSERT INTO ledger_events (position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at)
       SELECT position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at
         FROM jsonb_to_recordset($1::jsonb) AS e(position bigint, event_id uuid, stream_id text, revision integer,
              type text, data jsonb, metadata jsonb, tx_id text, recorded_at timestamptz)
       RETURNING 1
     ), streams AS (
       INSERT INTO ledger_streams (stream_id, revision, last_hash)
       SELECT stream_id, revision, last_hash
         FROM jsonb_to_recordset($2::jsonb) AS s(stream_id text, revision integer, last_hash text)
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, last_hash = excluded.last_hash
       RETURNING 1
     )
     UPDATE ledger_head SET position = $3, recorded_at = $4 WHERE id = 1`,
    [JSON.stringify(rows), JSON.stringify([...lastOfStream.values()]), position.toString(), recordedAt],
  );
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
      const outcomes = await sql.transaction(async (tx) => {
        // The row lock on ledger_head serialises appenders: positions are assigned and committed in
        // order, so no reader of the global log can see position n+1 before n.
        const [head] = await tx.query<{ position: string; recorded_at: Date | string | null }>(
          'SELECT position::text AS position, recorded_at FROM ledger_head WHERE id = 1 FOR UPDATE',
        );
        if (!head) throw new Error('ledger_head is missing: run the event store migration');
        const lastRecordedAt = head.recorded_at ? new Date(head.recorded_at).getTime() : 0;
        const recordedAt = new Date(Math.max(now().getTime(), lastRecordedAt)).toISOString();
        const heads = await readHeads(tx, requests);
        const plan = planBatch(requests, heads, BigInt(head.position), recordedAt);
        if (plan.rows.length > 0) await writePlanned(tx, plan.rows, plan.position, recordedAt);
        return plan.outcomes;
      });
      if (outcomes.some((outcome) => outcome.ok)) appended.notify();
      return outcomes;
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
