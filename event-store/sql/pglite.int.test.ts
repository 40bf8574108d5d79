import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe } from 'vitest';
import { uniqueName } from '../../testing/services.ts';
import { eventStoreContract } from '../contract.ts';
import { createPgliteClient } from './pglite-client.ts';
import { migrateEventStoreSchema } from './schema.ts';
import { createSqlEventStore } from './sql-event-store.ts';

// PGlite runs in-process: nothing to skip. Starting one takes seconds, so the file shares one database
// and gives each test a fresh schema.
const database = new PGlite();

describe('PGlite event store', () => {
  afterAll(() => database.close());

  eventStoreContract('pglite', async () => {
    const schema = uniqueName('es');
    const sql = createPgliteClient(database, { closeDatabase: false });
    await sql.query(`CREATE SCHEMA ${schema}`);
    await sql.query(`SET search_path TO ${schema}`);
    await migrateEventStoreSchema(sql);
    const store = createSqlEventStore(sql);
    return { store, cleanup: () => store.close() };
  });
});
