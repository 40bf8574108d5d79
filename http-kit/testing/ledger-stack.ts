import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildCommandApi } from '../../command-api/index.ts';
import {
  migrateReadModels,
  projectedTables,
  startInProcessProjector,
  waitForPosition,
} from '../../projections/index.ts';
import { buildQueryApi } from '../../query-api/index.ts';
import { createIsolatedSchema, type IsolatedSchema } from '../../testing/postgres-schema.ts';
import { type HttpClient, httpClient } from './http-client.ts';
import {
  type CapturedLogger,
  capturingLogger,
  type LedgerUnderTest,
  listenOnEphemeralPort,
  openPostgresLedger,
  testDeviceMasterKey,
  testJwtSecret,
  testRateLimit,
  testTimeZone,
} from './ledger-under-test.ts';

// The write and read sides together, as in the embedded default: a Postgres event store, read models
// in their own schema fed by the in-process projector, and both APIs listening (sharing one metrics
// registry, as they do in one process).

const projectionCatchUpWaitMs = 10_000;

export type LedgerStack = {
  ledger: LedgerUnderTest;
  readModels: IsolatedSchema;
  commands: HttpClient;
  queries: HttpClient;
  logs: CapturedLogger;
  registry: Registry;
  close: () => Promise<void>;
};

export const startLedgerStack = async (
  options: { projector?: boolean; readYourWritesWaitMs?: number; clock?: () => Date } = {},
): Promise<LedgerStack> => {
  const ledger = await openPostgresLedger();
  const readModels = await createIsolatedSchema('http_rm');
  await migrateReadModels(readModels.db);
  const logs = capturingLogger();
  const registry = new Registry();
  const projector =
    options.projector === false
      ? undefined
      : startInProcessProjector({
          store: ledger.store,
          db: readModels.db,
          timeZone: testTimeZone,
          logger: logs.logger,
        });
  const shared = {
    auth: { jwtSecret: testJwtSecret },
    logger: logs.logger,
    registry,
    timeZone: testTimeZone,
    rateLimit: testRateLimit,
  };
  const clock = options.clock ? { clock: options.clock } : {};
  const apps: FastifyInstance[] = [
    await buildCommandApi({
      ...shared,
      ...clock,
      handler: ledger.handler,
      store: ledger.store,
      deviceMasterKey: testDeviceMasterKey,
    }),
    await buildQueryApi({
      ...shared,
      ...clock,
      db: readModels.db,
      store: ledger.store,
      ...(options.readYourWritesWaitMs !== undefined
        ? { readYourWritesWaitMs: options.readYourWritesWaitMs }
        : {}),
    }),
  ];
  const [commandUrl, queryUrl] = await Promise.all(apps.map(listenOnEphemeralPort));
  return {
    ledger,
    readModels,
    commands: httpClient(commandUrl as string),
    queries: httpClient(queryUrl as string),
    logs,
    registry,
    close: async () => {
      await Promise.all(apps.map((app) => app.close()));
      await projector?.stop();
      await ledger.close();
      await readModels.drop();
    },
  };
};

/** Every projected row, in a stable order: equal snapshots mean the read models did not change. */
export const snapshotReadModels = async (stack: LedgerStack): Promise<Record<string, unknown[]>> => {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of projectedTables) {
    const { rows } = await stack.readModels.db.raw(`SELECT * FROM ${table} ORDER BY 1, 2, 3`);
    snapshot[table] = rows;
  }
  return snapshot;
};

/** Waits until the read models have applied everything in the event store. */
export const projectionsCaughtUp = async (stack: LedgerStack): Promise<void> => {
  const head = await stack.ledger.store.headPosition();
  const { reached } = await waitForPosition(stack.readModels.db, head, projectionCatchUpWaitMs);
  if (!reached) throw new Error(`read models did not reach ${head} within ${projectionCatchUpWaitMs} ms`);
};
