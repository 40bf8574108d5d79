import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { appendToStream, startPosition } from '../../ledger-core/index.ts';
import { serviceAvailable, serviceUrls, uniqueName } from '../../testing/services.ts';
import { eventStoreContract, testEvent } from '../contract.ts';
import { createPgClient } from './pg-client.ts';
import { migrateEventStoreSchema } from './schema.ts';
import { createSqlEventStore } from './sql-event-store.ts';

const postgresUp = await serviceAvailable('postgres');

const openPostgresStore = async () => {
  const schema = uniqueName('es');
  const sql = createPgClient({ connectionString: serviceUrls.postgres, schema });
  await migrateEventStoreSchema(sql, schema);
  const store = createSqlEventStore(sql);
  return {
    store,
    schema,
    cleanup: async () => {
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    },
  };
};

describe.skipIf(!postgresUp)('Postgres event store', () => {
  eventStoreContract('postgres', openPostgresStore);

  it('makes a later append wait for an earlier uncommitted one, so a follower never skips a position', async () => {
    const { store, schema, cleanup } = await openPostgresStore();
    const slowWriter = new pg.Client({
      connectionString: serviceUrls.postgres,
      options: `-c search_path=${schema}`,
    });
    await slowWriter.connect();
    try {
      await appendToStream(store, 'account-a', [testEvent()], 'no_stream');
      // A writer that took position 2 and has not committed yet, exactly as an append in flight does.
      await slowWriter.query('BEGIN');
      await slowWriter.query('SELECT position FROM ledger_head WHERE id = 1 FOR UPDATE');
      await slowWriter.query(
        `INSERT INTO ledger_events (position, event_id, stream_id, revision, type, data, metadata, recorded_at)
         VALUES (2, gen_random_uuid(), 'account-slow', 0, 'TestHappened', '{}', '{}', now())`,
      );
      await slowWriter.query('UPDATE ledger_head SET position = 2 WHERE id = 1');

      let fastDone = false;
      const fast = store
        .appendBatch([{ streamId: 'account-fast', expectedRevision: 'no_stream', events: [testEvent()] }])
        .then((outcomes) => {
          fastDone = true;
          return outcomes;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fastDone).toBe(false);
      const visibleWhileSlow = await store.readAll({ fromPosition: startPosition, maxCount: 10 });
      expect(visibleWhileSlow.map((event) => event.position)).toEqual([1n]);

      await slowWriter.query('COMMIT');
      const [outcome] = await fast;
      expect(outcome?.ok && outcome.events[0]?.position).toBe(3n);
      const visible = await store.readAll({ fromPosition: startPosition, maxCount: 10 });
      expect(visible.map((event) => [event.position, event.streamId])).toEqual([
        [1n, 'account-a'],
        [2n, 'account-slow'],
        [3n, 'account-fast'],
      ]);
    } finally {
      await slowWriter.end();
      await cleanup();
    }
  });
});
