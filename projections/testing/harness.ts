import { Kafka, logLevel } from 'kafkajs';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { expect } from 'vitest';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import {
  createCommandHandler,
  type EventStore,
  formatMoney,
  money,
  sumMoney,
} from '../../ledger-core/index.ts';
import { createIsolatedSchema, type IsolatedSchema } from '../../testing/postgres-schema.ts';
import { serviceUrls, uniqueName } from '../../testing/services.ts';
import { compareReadModels } from '../compare.ts';
import { migrateReadModels } from '../migrations/migrate.ts';
import { rebuildReadModels } from '../rebuild.ts';
import { waitForPosition } from '../status.ts';
import type { Reference } from './workload.ts';

export const timeZone = 'Asia/Shanghai';
export const convergeWaitMs = 30_000;

/** Silent unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug while diagnosing). */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export type Harness = {
  store: EventStore;
  storeSchema: string;
  readModels: IsolatedSchema;
  handler: ReturnType<typeof createCommandHandler>;
  close: () => Promise<void>;
};

/** A Postgres event store and a migrated read-model schema, both private to the test. */
export const openHarness = async (): Promise<Harness> => {
  const readModels = await createIsolatedSchema('rm');
  await migrateReadModels(readModels.db);
  const storeSchema = uniqueName('es');
  const sql = createPgClient({ connectionString: serviceUrls.postgres, schema: storeSchema });
  await migrateEventStoreSchema(sql, storeSchema);
  const store = createSqlEventStore(sql);
  const handler = createCommandHandler({ store, timeZone });
  return {
    store,
    storeSchema,
    readModels,
    handler,
    close: async () => {
      await handler.close();
      await readModels.db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [storeSchema]);
      await store.close();
      await readModels.drop();
    },
  };
};

export const testKafka = (brokers: string = serviceUrls.kafka) =>
  new Kafka({ clientId: 'projections-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });

/** Waits (bounded) until the read models have applied everything the store holds now. */
export const waitUntilCaughtUp = async (harness: Harness, timeoutMs = convergeWaitMs) => {
  const head = await harness.store.headPosition();
  const outcome = await waitForPosition(harness.readModels.db, head, timeoutMs);
  expect(outcome, `read models at ${outcome.position}, head at ${head}`).toEqual({
    reached: true,
    position: head,
  });
  return head;
};

/** The read models show exactly what the commands imply, and the trial balance is zero (I1). */
export const expectReadModelsMatch = async (db: Knex, reference: Reference) => {
  const { rows: balances } = await db.raw<{
    rows: Array<{ account_id: string; balance: string; debt: string }>;
  }>(
    'SELECT account_id, balance::text AS balance, debt::text AS debt FROM account_balances ORDER BY account_id',
  );
  expect(Object.fromEntries(balances.map((row) => [row.account_id, row.balance]))).toEqual(
    Object.fromEntries([...reference.balances].sort().map(([id, balance]) => [id, formatMoney(balance)])),
  );
  for (const row of balances) {
    expect(row.debt).toBe(row.balance.startsWith('-') ? row.balance.slice(1) : '0.00');
  }
  const { rows: counts } = await db.raw<{ rows: Array<{ account_id: string; lines: number }> }>(
    'SELECT account_id, count(*)::int AS lines FROM account_transactions GROUP BY account_id',
  );
  expect(Object.fromEntries(counts.map((row) => [row.account_id, row.lines]))).toEqual(
    Object.fromEntries([...reference.transactions].filter(([, lines]) => lines > 0)),
  );
  const { rows: trial } = await db.raw<{ rows: Array<{ ledger_account: string; balance: string }> }>(
    'SELECT ledger_account, balance::text AS balance FROM trial_balance',
  );
  expect(formatMoney(sumMoney(trial.map((row) => money(row.balance))))).toBe('0.00');
  const cards = trial.filter((row) => row.ledger_account.startsWith('card:'));
  const cardTotal = sumMoney(cards.map((row) => money(row.balance)));
  // I1: Σ card balances = Σ top-ups − Σ charges + Σ refunds − Σ bill payments − Σ payouts.
  expect(formatMoney(cardTotal)).toBe(
    formatMoney(
      reference.topUps
        .minus(reference.charges)
        .plus(reference.refunds)
        .minus(reference.bills)
        .minus(reference.payouts),
    ),
  );
};

/** Every index and constraint of a schema's tables, with the schema name taken out of the definitions. */
const indexesOf = async (db: Knex, schema: string): Promise<string[]> => {
  const { rows } = await db.raw<{ rows: Array<{ definition: string }> }>(
    `SELECT replace(indexdef, quote_ident(schemaname) || '.', '') AS definition
       FROM pg_indexes WHERE schemaname = ?
     UNION ALL
     SELECT t.relname || ': CONSTRAINT ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = ?
     ORDER BY 1`,
    [schema, schema],
  );
  return rows.map((row) => row.definition);
};

/**
 * Replay equals live (I7): a fresh rebuild up to the live checkpoint, in small batches that cut the
 * log elsewhere than live did, equals the live read models row by row.
 */
export const expectRebuildEqualsLive = async (
  live: { store: EventStore; readModels: { db: Knex; schema: string } },
  toPosition: bigint,
) => {
  const { db } = live.readModels;
  const schema = uniqueName('rb');
  try {
    const rebuilt = await rebuildReadModels({
      store: live.store,
      db,
      schema,
      timeZone,
      toPosition,
      batchSize: 97,
    });
    expect(rebuilt.position).toBe(toPosition);
    const comparison = await compareReadModels(db, live.readModels.schema, schema);
    expect(comparison).toEqual({ equal: true, differences: [] });
    // The indexes and primary keys a rebuild defers are all back, as the migrations define them.
    expect(await indexesOf(db, schema)).toEqual(await indexesOf(db, live.readModels.schema));
    return rebuilt;
  } finally {
    await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
  }
};
