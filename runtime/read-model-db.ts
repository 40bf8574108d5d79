import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { LedgerConfig } from './config.ts';

const readModelPoolMax = 10;

/**
 * The read-model database: Postgres when DATABASE_URL is set, otherwise an embedded PGlite under
 * DATA_DIR (a separate PGlite from the event store's: PGlite is one connection, and knex must own it).
 */
export const openReadModelDb = (config: LedgerConfig): Knex => {
  if (config.databaseUrl) {
    return knex({
      client: 'pg',
      connection: config.databaseUrl,
      pool: { min: 0, max: readModelPoolMax },
      ...(config.databaseSchema ? { searchPath: [config.databaseSchema] } : {}),
    });
  }
  const directory = path.resolve(config.dataDir, 'pglite-read-models');
  mkdirSync(directory, { recursive: true });
  const database = new PGlite(directory);
  return knex({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: () => ({ pglite: database }) as object,
  });
};
