import type { Knex } from 'knex';
import type { Position } from '../ledger-core/index.ts';
import { readModelsProjection } from './tables.ts';

// Checkpoints kept in the read-model database: the projection's (advanced only by applyEvents, in the
// transaction of its batch) and the relay's (advanced after Kafka acknowledged a batch).

export type ProjectionCheckpoint = { projection: string; position: Position; updatedAt: Date };

export const readProjectionCheckpoints = async (db: Knex): Promise<ProjectionCheckpoint[]> => {
  const { rows } = await db.raw<{
    rows: Array<{ projection: string; position: string; updated_at: string }>;
  }>(
    `SELECT projection, position::text AS position, to_json(updated_at)#>>'{}' AS updated_at
       FROM projection_checkpoints ORDER BY projection`,
  );
  return rows.map((row) => ({
    projection: row.projection,
    position: BigInt(row.position),
    updatedAt: new Date(row.updated_at),
  }));
};

/** The read models' position: 0 before the first batch. */
export const readModelsPosition = async (db: Knex): Promise<Position> => {
  const { rows } = await db.raw<{ rows: Array<{ position: string }> }>(
    'SELECT position::text AS position FROM projection_checkpoints WHERE projection = ?',
    [readModelsProjection],
  );
  return BigInt(rows[0]?.position ?? 0);
};

export const readRelayCheckpoint = async (db: Knex, relay: string): Promise<Position> => {
  const { rows } = await db.raw<{ rows: Array<{ position: string }> }>(
    'SELECT position::text AS position FROM relay_checkpoints WHERE relay = ?',
    [relay],
  );
  return BigInt(rows[0]?.position ?? 0);
};

export const writeRelayCheckpoint = async (db: Knex, relay: string, position: Position): Promise<void> => {
  await db.raw(
    `INSERT INTO relay_checkpoints (relay, position, updated_at) VALUES (?, ?::bigint, now())
     ON CONFLICT (relay) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    [relay, position.toString()],
  );
};
