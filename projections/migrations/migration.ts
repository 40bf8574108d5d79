import type { Knex } from 'knex';

/** One step of the read-model schema, applied in list order by `migrateReadModels`. */
export type ReadModelMigration = {
  name: string;
  up: (knex: Knex) => Promise<void>;
  down: (knex: Knex) => Promise<void>;
};
