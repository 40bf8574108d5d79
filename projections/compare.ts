import type { Knex } from 'knex';
import { quoteIdentifier } from './schema-name.ts';
import { projectedTables } from './tables.ts';

export type TableDifference = { table: string; onlyInLeft: number; onlyInRight: number };
export type ReadModelComparison = { equal: boolean; differences: TableDifference[] };

/**
 * Compares the read models of two schemas of one database row by row (every column of every projected
 * table): how "replay equals live" (I7) is checked. Checkpoints are not compared: their updated_at
 * is bookkeeping.
 */
export const compareReadModels = async (
  db: Knex,
  leftSchema: string,
  rightSchema: string,
): Promise<ReadModelComparison> => {
  const left = quoteIdentifier(leftSchema);
  const right = quoteIdentifier(rightSchema);
  const differences: TableDifference[] = [];
  for (const table of projectedTables) {
    const { rows } = await db.raw<{ rows: Array<{ only_in_left: string; only_in_right: string }> }>(
      `SELECT (SELECT count(*) FROM (SELECT * FROM ${left}.${table} EXCEPT ALL SELECT * FROM ${right}.${table}) d)::text
                AS only_in_left,
              (SELECT count(*) FROM (SELECT * FROM ${right}.${table} EXCEPT ALL SELECT * FROM ${left}.${table}) d)::text
                AS only_in_right`,
    );
    const onlyInLeft = Number(rows[0]?.only_in_left ?? 0);
    const onlyInRight = Number(rows[0]?.only_in_right ?? 0);
    if (onlyInLeft > 0 || onlyInRight > 0) differences.push({ table, onlyInLeft, onlyInRight });
  }
  return { equal: differences.length === 0, differences };
};
