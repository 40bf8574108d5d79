import type { Knex } from 'knex';
import { quoteIdentifier } from './schema-name.ts';

// A rebuild fills its append-only tables from empty. Keeping their B-trees up to date row by row (the
// transactions' primary key arrives in account order, not in key order) cost Postgres about 20 µs per
// event of a million-event rebuild, twice what building the same indexes once at the end costs. So the
// rebuild drops these indexes after creating the schema and builds them again, with their original
// definitions, before it returns. The transactions' tx_id index stays: a refund of a charge from an
// earlier batch looks its merchant up through it while the rebuild runs.

/** Indexes no query of the rebuild itself needs (of account_transactions and journal_postings). */
export const rebuildDeferredIndexes: readonly string[] = [
  'account_transactions_pkey',
  'journal_postings_pkey',
  'journal_postings_ledger_account',
];

/** Memory for one index build's sort: a million keys sort in memory instead of in temporary files. */
const indexBuildMemory = '256MB';

type IndexDefinition = {
  table: string;
  index: string;
  constraintDefinition: string | null;
  indexDefinition: string;
};

const definitionsOf = async (
  db: Knex,
  schema: string,
  indexes: readonly string[],
): Promise<IndexDefinition[]> => {
  const { rows } = await db.raw<{ rows: IndexDefinition[] }>(
    `SELECT t.relname AS "table", i.relname AS "index", pg_get_constraintdef(con.oid) AS "constraintDefinition",
            pg_get_indexdef(i.oid) AS "indexDefinition"
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = i.relnamespace
       LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = t.oid
      WHERE n.nspname = ? AND i.relname = ANY(?::text[])`,
    [schema, [...indexes]],
  );
  const missing = indexes.filter((index) => !rows.some((row) => row.index === index));
  if (missing.length > 0) throw new Error(`no index ${missing.join(', ')} in schema ${schema}`);
  return rows;
};

const dropStatement = (schema: string, index: IndexDefinition): string =>
  index.constraintDefinition === null
    ? `DROP INDEX ${quoteIdentifier(schema)}.${quoteIdentifier(index.index)}`
    : `ALTER TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(index.table)} DROP CONSTRAINT ${quoteIdentifier(index.index)}`;

const buildStatement = (schema: string, index: IndexDefinition): string =>
  index.constraintDefinition === null
    ? index.indexDefinition
    : `ALTER TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(index.table)} ADD CONSTRAINT ${quoteIdentifier(index.index)} ${index.constraintDefinition}`;

/**
 * Drops `indexes` from `schema` and returns what builds them again, each on a connection of
 * its own at once (an index build is one sort, on one core).
 */
export const deferIndexes = async (
  db: Knex,
  schema: string,
  indexes: readonly string[],
): Promise<() => Promise<void>> => {
  const definitions = await definitionsOf(db, schema, indexes);
  await db.transaction(async (trx) => {
    for (const index of definitions) await trx.raw(dropStatement(schema, index));
  });
  return async () => {
    await Promise.all(
      definitions.map((index) =>
        db.transaction(async (trx) => {
          await trx.raw(`SET LOCAL maintenance_work_mem TO '${indexBuildMemory}'`);
          await trx.raw(buildStatement(schema, index));
        }),
      ),
    );
  };
};
