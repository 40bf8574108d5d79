import type { Knex } from 'knex';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type CommandHandler, createCommandHandler, type EventStore } from '../ledger-core/index.ts';
import type { LedgerConfig } from './config.ts';
import { openEventStore } from './event-store-factory.ts';
import { createHandlerMetrics } from './handler-metrics.ts';
import type { Logger } from './logger.ts';
import { openReadModelDb } from './read-model-db.ts';

/** What every service of one process shares: one store, one read-model database, one handler. */
export type LedgerRuntime = {
  config: LedgerConfig;
  logger: Logger;
  store: EventStore;
  db: Knex;
  handler: CommandHandler;
  registry: Registry;
  close: () => Promise<void>;
};

export const openLedgerRuntime = async (config: LedgerConfig, logger: Logger): Promise<LedgerRuntime> => {
  const store = await openEventStore(config);
  const db = openReadModelDb(config);
  const registry = new Registry();
  // Process CPU, memory, event-loop delay and GC, beside the ledger's own metrics.
  collectDefaultMetrics({ register: registry });
  let queueLength = () => 0;
  const handler = createCommandHandler({
    store,
    timeZone: config.timeZone,
    observer: createHandlerMetrics(registry, () => queueLength()),
  });
  queueLength = handler.queueLength;
  return {
    config,
    logger,
    store,
    db,
    handler,
    registry,
    close: async () => {
      await handler.close();
      await store.close();
      await db.destroy();
    },
  };
};
