import { readModelsV1 } from './001-read-models.ts';
import { balancesFillFactor } from './002-balances-fillfactor.ts';
import type { ReadModelMigration } from './migration.ts';

/** Every read-model migration, oldest first. Append new ones; never edit an applied one. */
export const readModelMigrations: readonly ReadModelMigration[] = [readModelsV1, balancesFillFactor];
