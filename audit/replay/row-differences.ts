import type { Knex } from 'knex';
import { compareReadModels } from '../../projections/index.ts';

// Row-by-row differences between the live read models and a replayed copy, paired by primary key so a
// row that exists on both sides with other values reads as one change, not as two unrelated rows.
// Values come back as text, so money and positions are shown exactly.

export type RowValues = Record<string, string | null>;

export type RowDifference = {
  table: string;
  kind: 'only_in_live' | 'only_in_replay' | 'changed';
  key: RowValues;
  live?: RowValues;
  replay?: RowValues;
  /** For a change: the columns whose values differ. */
  columns?: string[];
};

export type ReadModelDifferences = {
  equal: boolean;
  /** Rows that differ, per table, counted in full. */
  counts: Array<{ table: string; onlyInLive: number; onlyInReplay: number }>;
  /** The differences themselves, at most `maxRowsPerTable` rows of each side of each table. */
  differences: RowDifference[];
  truncated: boolean;
};

/** Rows fetched per table and side to describe its differences. */
export const defaultMaxDifferenceRowsPerTable = 50;

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

const primaryKeyOf = async (db: Knex, schema: string, table: string): Promise<string[]> => {
  const { rows } = await db.raw<{ rows: Array<{ column: string }> }>(
    `SELECT a.attname AS column
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = to_regclass(?) AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [`${quote(schema)}.${quote(table)}`],
  );
  return rows.map((row) => row.column);
};

const rowsOnlyIn = async (db: Knex, from: string, other: string, table: string, limit: number) => {
  const { rows } = await db.raw<{ rows: Array<{ row: RowValues }> }>(
    `SELECT (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each_text(to_jsonb(d)) AS e) AS row
       FROM (SELECT * FROM ${quote(from)}.${quote(table)} EXCEPT ALL SELECT * FROM ${quote(other)}.${quote(table)}) d
      LIMIT ?`,
    [limit],
  );
  return rows.map((row) => row.row);
};

const pairByKey = (table: string, key: string[], live: RowValues[], replay: RowValues[]): RowDifference[] => {
  const keyText = (row: RowValues) => JSON.stringify(key.map((column) => row[column] ?? null));
  const keyValues = (row: RowValues) =>
    Object.fromEntries(key.map((column) => [column, row[column] ?? null]));
  const replayByKey = new Map(replay.map((row) => [keyText(row), row]));
  const differences: RowDifference[] = [];
  for (const liveRow of live) {
    const replayRow = key.length > 0 ? replayByKey.get(keyText(liveRow)) : undefined;
    if (replayRow) {
      replayByKey.delete(keyText(liveRow));
      const columns = Object.keys(liveRow).filter((column) => liveRow[column] !== replayRow[column]);
      differences.push({
        table,
        kind: 'changed',
        key: keyValues(liveRow),
        live: liveRow,
        replay: replayRow,
        columns,
      });
    } else {
      differences.push({ table, kind: 'only_in_live', key: keyValues(liveRow), live: liveRow });
    }
  }
  for (const replayRow of replayByKey.values()) {
    differences.push({ table, kind: 'only_in_replay', key: keyValues(replayRow), replay: replayRow });
  }
  return differences;
};

/** Compares every projected table of the two schemas, seen through `db` (one snapshot if a transaction). */
export const readModelDifferences = async (
  db: Knex,
  liveSchema: string,
  replaySchema: string,
  maxRowsPerTable = defaultMaxDifferenceRowsPerTable,
): Promise<ReadModelDifferences> => {
  const comparison = await compareReadModels(db, liveSchema, replaySchema);
  const differences: RowDifference[] = [];
  let truncated = false;
  for (const { table, onlyInLeft, onlyInRight } of comparison.differences) {
    const key = await primaryKeyOf(db, replaySchema, table);
    const live = await rowsOnlyIn(db, liveSchema, replaySchema, table, maxRowsPerTable);
    const replay = await rowsOnlyIn(db, replaySchema, liveSchema, table, maxRowsPerTable);
    truncated ||= onlyInLeft > live.length || onlyInRight > replay.length;
    differences.push(...pairByKey(table, key, live, replay));
  }
  return {
    equal: comparison.equal,
    counts: comparison.differences.map(({ table, onlyInLeft, onlyInRight }) => ({
      table,
      onlyInLive: onlyInLeft,
      onlyInReplay: onlyInRight,
    })),
    differences,
    truncated,
  };
};
