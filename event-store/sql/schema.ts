import { appendFunctionSql } from './append-function.ts';
import type { SqlClient } from './sql-client.ts';

// The event store's tables. Global positions are assigned under one row lock (ledger_head), so they
// commit in position order: see docs/postgres-event-store.md for why this design and not xid-based
// visibility.

export const eventStoreSchemaSql = `
CREATE TABLE IF NOT EXISTS ledger_events (
  position     bigint PRIMARY KEY,
  event_id     uuid NOT NULL,
  stream_id    text NOT NULL,
  revision     integer NOT NULL,
  type         text NOT NULL,
  data         jsonb NOT NULL,
  metadata     jsonb NOT NULL,
  tx_id        text,
  recorded_at  timestamptz NOT NULL,
  CONSTRAINT ledger_events_stream_revision UNIQUE (stream_id, revision)
);
-- Event ids are random UUIDs made by the adapter and never looked up: an index on them cost a random
-- B-tree insertion per event (7 % of an append's Postgres CPU).
ALTER TABLE ledger_events DROP CONSTRAINT IF EXISTS ledger_events_event_id_key;
CREATE UNIQUE INDEX IF NOT EXISTS ledger_events_tx_id ON ledger_events (tx_id) WHERE tx_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_events_recorded_at ON ledger_events (recorded_at);
-- Stream heads (revision, last hash) are read from each stream's last event: the old table goes.
DROP TABLE IF EXISTS ledger_streams;
CREATE TABLE IF NOT EXISTS ledger_head (
  id           smallint PRIMARY KEY CHECK (id = 1),
  position     bigint NOT NULL,
  recorded_at  timestamptz
);
INSERT INTO ledger_head (id, position, recorded_at) VALUES (1, 0, NULL) ON CONFLICT (id) DO NOTHING;
`;

// Any constant works; it only keeps two processes from creating the tables at the same moment.
const migrationLockKey = 7_245_001;

export const migrateEventStoreSchema = async (sql: SqlClient, schema?: string): Promise<void> => {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`unsafe schema name: ${schema}`);
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    if (schema) await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const statement of eventStoreSchemaSql.split(';').map((part) => part.trim())) {
      if (statement) await tx.query(statement);
    }
    // One statement of its own: its body has semicolons.
    await tx.query(appendFunctionSql);
  });
};
