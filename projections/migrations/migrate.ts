import type { Knex } from 'knex';
import { quoteIdentifier } from '../schema-name.ts';
import { readModelMigrations } from './index.ts';
import type { ReadModelMigration } from './migration.ts';

const migrationsTable = 'read_model_migrations';
/** Another process migrating holds knex's lock; wait for it this long in total before giving up. */
const migrationLockWaitMs = 30_000;
const migrationLockRetryMs = 200;

/**
 * Runs each migration with the target schema first on its transaction's search_path, so the migration
 * objects stay schema-agnostic and knex keeps its bookkeeping tables in that schema too.
 */
const migrationSource = (schema: string | undefined): Knex.MigrationSource<ReadModelMigration> => {
  const inSchema =
    (step: (knex: Knex) => Promise<void>) =>
    async (knex: Knex): Promise<void> => {
      if (schema !== undefined) await knex.raw(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
      await step(knex);
    };
  return {
    getMigrations: async () => [...readModelMigrations],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({ up: inSchema(migration.up), down: inSchema(migration.down) }),
  };
};

/** Two processes starting together race for knex's lock or its bookkeeping tables; the loser retries. */
const isMigrationRace = (error: unknown): boolean => {
  const { name, code } = error as { name?: string; code?: string };
  // 42P07 duplicate table and 23505 unique violation: both creating knex's bookkeeping tables at once.
  return name === 'MigrationLocked' || code === '42P07' || code === '23505';
};

/**
 * Brings the read-model schema up to date: the schema the knex connection's search_path points at, or
 * `options.schema` (which must exist) when given.
 */
export const migrateReadModels = async (db: Knex, options: { schema?: string } = {}): Promise<void> => {
  const config: Knex.MigratorConfig = {
    migrationSource: migrationSource(options.schema),
    tableName: migrationsTable,
    ...(options.schema !== undefined ? { schemaName: options.schema } : {}),
  };
  const deadline = Date.now() + migrationLockWaitMs;
  for (;;) {
    try {
      await db.migrate.latest(config);
      return;
    } catch (error) {
      if (!isMigrationRace(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, migrationLockRetryMs));
    }
  }
};
