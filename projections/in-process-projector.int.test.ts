import { PGlite } from '@electric-sql/pglite';
import knex from 'knex';
import ClientPgLite from 'knex-pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteClient, createSqlEventStore, migrateEventStoreSchema } from '../event-store/index.ts';
import { createCommandHandler } from '../ledger-core/index.ts';
import { capturingJsonLogger } from '../testing/log-capture.ts';
import { startInProcessProjector } from './in-process-projector.ts';
import { migrateReadModels } from './migrations/migrate.ts';
import { projectionStatus, waitForPosition } from './status.ts';
import { readModelsProjection } from './tables.ts';
import { expectReadModelsMatch, expectRebuildEqualsLive, testLogger, timeZone } from './testing/harness.ts';
import { appendInvalidCharge } from './testing/invalid-event.ts';
import { createWorkload } from './testing/workload.ts';

// Embedded mode: the event store and the read models each in their own PGlite, no Kafka.
describe('in-process projector on PGlite', () => {
  const storeDatabase = new PGlite();
  const readModelDatabase = new PGlite();
  const store = createSqlEventStore(createPgliteClient(storeDatabase, { closeDatabase: true }));
  const db = knex({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: () => ({ pglite: readModelDatabase }) as object,
  });
  afterAll(async () => {
    await db.destroy();
    await store.close();
  });

  it('follows the store, matches the commands, and a rebuild equals it', async () => {
    await migrateEventStoreSchema(createPgliteClient(storeDatabase, { closeDatabase: false }));
    await migrateReadModels(db);
    const handler = createCommandHandler({ store, timeZone });
    const workload = createWorkload(handler, { seed: 7, accounts: 12, commands: 150 });
    await workload.setUp();
    const projector = startInProcessProjector({ store, db, timeZone, logger: testLogger, batchSize: 64 });
    try {
      await workload.run();
      const head = await store.headPosition();
      expect(await waitForPosition(db, head, 20_000)).toEqual({ reached: true, position: head });
      const [status] = await projectionStatus(db, store);
      expect(status).toEqual({
        projection: readModelsProjection,
        position: head,
        headPosition: head,
        lagEvents: 0,
        lagSeconds: 0,
      });
      await expectReadModelsMatch(db, workload.reference);
      await expectRebuildEqualsLive({ store, readModels: { db, schema: 'public' } }, head);
    } finally {
      await projector.stop();
      await handler.close();
    }
  });

  it('reports lag while events wait, and waitForPosition gives up after its timeout', async () => {
    const handler = createCommandHandler({ store, timeZone });
    const workload = createWorkload(handler, { seed: 8, accounts: 3, commands: 10 });
    await workload.setUp();
    const applied = (await projectionStatus(db, store))[0]?.position ?? 0n;
    const head = await store.headPosition();
    expect(head).toBeGreaterThan(applied);
    const [status] = await projectionStatus(db, store);
    expect(status?.lagEvents).toBe(Number(head - applied));
    expect(status?.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(await waitForPosition(db, head, 50)).toEqual({ reached: false, position: applied });
    await handler.close();
  });

  it('skips an event that fails validation with a line that names the event’s trace', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const ghost = await appendInvalidCharge(store, traceId);
    // The checkpoint passes a skipped event with the next valid one.
    const handler = createCommandHandler({ store, timeZone });
    const workload = createWorkload(handler, { seed: 9, accounts: 1, commands: 1 });
    await workload.setUp();
    await handler.close();
    const head = await store.headPosition();
    const { logger, lines } = capturingJsonLogger();
    const projector = startInProcessProjector({ store, db, timeZone, logger });
    try {
      expect(await waitForPosition(db, head, 20_000)).toEqual({ reached: true, position: head });
    } finally {
      await projector.stop();
    }
    const skipped = lines.filter((line) => line.msg === 'skipped an invalid event');
    expect(skipped).toEqual([
      expect.objectContaining({ position: ghost.toString(), trace_id: traceId, trace_flags: '01' }),
    ]);
  });
});
