// query-api: the fastify app that answers reads from the Postgres read models (DESIGN.md, port 3001).
// Built, not listening: the runtime calls listen().
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  type AuthOptions,
  createHttpApp,
  type RateLimitOptions,
  registerHealthRoute,
} from '../http-kit/index.ts';
import { type EventStore, positionToString } from '../ledger-core/index.ts';
import { type ProjectionStatus, projectionStatus, waitForPosition } from '../projections/index.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerBalanceRoute } from './balance-route.ts';
import { registerDailyReportRoute } from './daily-report-route.ts';
import { registerDeviceRoute } from './device-route.ts';
import { registerMerchantSalesRoute } from './merchant-sales-route.ts';
import { defaultReadYourWritesWaitMs, readYourWrites } from './read-your-writes.ts';

export { queryAccess } from './access.ts';

/** Beyond this lag /health reports the projections unhealthy. */
export const maxHealthyProjectionLagSeconds = 30;

export type QueryApiOptions = {
  /** The read-model database. */
  db: Knex;
  store: Pick<EventStore, 'kind' | 'readAll' | 'headPosition'>;
  auth: AuthOptions;
  logger: Logger;
  registry?: Registry;
  /** The ledger's business-day time zone (daily spending, reports, sales by day). */
  timeZone: string;
  /** Where the projections are; defaults to reading their checkpoints against the store's head. */
  projectionStatus?: () => Promise<ProjectionStatus[]>;
  /** How long X-Min-Position (and a point-in-time balance) waits for the read models. */
  readYourWritesWaitMs?: number;
  clock?: () => Date;
  rateLimit?: RateLimitOptions;
};

export const buildQueryApi = async (options: QueryApiOptions): Promise<FastifyInstance> => {
  const { db, store } = options;
  const { app } = await createHttpApp({
    service: 'query-api',
    description:
      'Reads of the campus ledger: accounts, statements, point-in-time balances, sales, reports, devices',
    logger: options.logger,
    auth: options.auth,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const waitMs = options.readYourWritesWaitMs ?? defaultReadYourWritesWaitMs;
  const wait = (position: bigint, timeoutMs: number) => waitForPosition(db, position, timeoutMs);
  const deps = {
    db,
    store,
    timeZone: options.timeZone,
    clock: options.clock ?? (() => new Date()),
    waitForPosition: wait,
    readYourWritesWaitMs: waitMs,
    readYourWrites: readYourWrites(wait, waitMs),
  };
  registerAccountRoutes(app, deps);
  registerBalanceRoute(app, deps);
  registerMerchantSalesRoute(app, deps);
  registerDailyReportRoute(app, deps);
  registerDeviceRoute(app, deps);

  const statusOfProjections = options.projectionStatus ?? (() => projectionStatus(db, store));
  registerHealthRoute(app, 'query-api', {
    eventStore: async () => ({ ok: true, headPosition: positionToString(await store.headPosition()) }),
    readModels: async () => {
      await db.raw('SELECT 1');
      return { ok: true };
    },
    projections: async () => {
      const statuses = await statusOfProjections();
      const worst = Math.max(0, ...statuses.map((status) => status.lagSeconds));
      return {
        ok: worst <= maxHealthyProjectionLagSeconds,
        lagSeconds: worst,
        projections: statuses.map((status) => ({
          projection: status.projection,
          position: positionToString(status.position),
          lagEvents: status.lagEvents,
          lagSeconds: status.lagSeconds,
        })),
        ...(worst > maxHealthyProjectionLagSeconds
          ? { detail: `projections are ${worst} s behind (limit ${maxHealthyProjectionLagSeconds} s)` }
          : {}),
      };
    },
  });
  return app as unknown as FastifyInstance;
};
