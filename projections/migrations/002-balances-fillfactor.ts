import type { Knex } from 'knex';
import type { ReadModelMigration } from './migration.ts';

// Every batch rewrites the row of each account it touched. With room left on each page, Postgres
// keeps the new row version on the same page and skips the primary-key index (a HOT update).
const balancesFillFactorPercent = 50;

export const balancesFillFactor: ReadModelMigration = {
  name: '002-balances-fillfactor',
  up: async (knex: Knex) => {
    await knex.raw(`ALTER TABLE account_balances SET (fillfactor = ${balancesFillFactorPercent})`);
  },
  down: async (knex: Knex) => {
    await knex.raw('ALTER TABLE account_balances RESET (fillfactor)');
  },
};
