import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  createEsdbEventStore,
  createPgClient,
  createPgliteClient,
  createSqlEventStore,
  migrateEventStoreSchema,
} from '../event-store/index.ts';
import type { EventStore } from '../ledger-core/index.ts';
import type { LedgerConfig } from './config.ts';

/** The event store the configuration names, migrated and ready. */
export const openEventStore = async (config: LedgerConfig): Promise<EventStore> => {
  switch (config.eventStore) {
    case 'postgres': {
      const schema = config.databaseSchema;
      const sql = createPgClient({
        connectionString: config.databaseUrl as string,
        ...(schema ? { schema } : {}),
      });
      await migrateEventStoreSchema(sql, schema);
      return createSqlEventStore(sql);
    }
    case 'pglite': {
      const directory = path.resolve(config.dataDir, 'pglite-events');
      mkdirSync(directory, { recursive: true });
      const sql = createPgliteClient(new PGlite(directory), { closeDatabase: true });
      await migrateEventStoreSchema(sql);
      return createSqlEventStore(sql);
    }
    case 'esdb':
      return createEsdbEventStore({ connectionString: config.esdbUrl as string });
  }
};
