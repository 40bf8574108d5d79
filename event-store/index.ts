// event-store: the adapters behind ledger-core's EventStore port. Runtime picks one at start-up.
// The shared contract suite is test-only and lives in `event-store/testing.ts`.

export { createEsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store.ts';
export { createPgClient, type PgClientOptions } from './sql/pg-client.ts';
export { createPgliteClient } from './sql/pglite-client.ts';
export { eventStoreSchemaSql, migrateEventStoreSchema } from './sql/schema.ts';
export type { SqlClient, SqlQueryable } from './sql/sql-client.ts';
export { createSqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store.ts';
