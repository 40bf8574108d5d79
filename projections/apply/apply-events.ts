import type { Knex } from 'knex';
import type { Position } from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';
import { readModelsProjection } from '../tables.ts';
import { loadKnownState } from './load-known-state.ts';
import { planBatch, requirementsOf } from './plan-batch.ts';
import type { RejectedEvent } from './rows.ts';
import { writeChanges } from './write-changes.ts';

export type ApplyOptions = {
  /** LEDGER_TZ: the business day of daily totals, postings and the daily spent. */
  timeZone: string;
};

export type ApplyResult = {
  /** Events that changed the read models. */
  applied: number;
  /** Events at or below the checkpoint: already applied, so they change nothing (I8). */
  skipped: number;
  /** The checkpoint after the batch (unchanged when everything was skipped). */
  position: Position;
  /**
   * Events past the checkpoint that contradict the read models (a refund of an unknown charge, an
   * event before its account was opened): not applied, but passed by the checkpoint like the others.
   * Every feeder refuses the same events, so live still equals replay; feeders dead-letter them.
   */
  rejected: RejectedEvent[];
};

/**
 * Locks the checkpoint row for the rest of the transaction (creating it at the start of the log) and
 * returns its position. Concurrent appliers of the same read models queue here, one batch at a time.
 */
export const lockCheckpoint = async (trx: Knex.Transaction, projection: string): Promise<Position> => {
  const { rows } = await trx.raw<{ rows: Array<{ position: string }> }>(
    `INSERT INTO projection_checkpoints (projection, position, updated_at) VALUES (?, 0, now())
     ON CONFLICT (projection) DO UPDATE SET projection = excluded.projection
     RETURNING position::text AS position`,
    [projection],
  );
  const [row] = rows;
  if (!row) throw new Error(`no checkpoint row for ${projection}`);
  return BigInt(row.position);
};

/** Keeps the events past the checkpoint, in order; a redelivered event or batch is dropped here. */
const pastCheckpoint = (events: readonly ProjectableEvent[], checkpoint: Position): ProjectableEvent[] => {
  const fresh: ProjectableEvent[] = [];
  let reached = checkpoint;
  for (const event of events) {
    if (event.position <= reached) continue;
    fresh.push(event);
    reached = event.position;
  }
  return fresh;
};

/**
 * Applies events to every read model and advances their checkpoint, inside the caller's transaction:
 * the effect and the checkpoint commit together or not at all, so each event changes each read model
 * exactly once however often it is delivered (I8). Kafka, the in-process subscription and rebuild all
 * feed this one function, which is what makes replay equal live (I7).
 */
export const applyEvents = async (
  trx: Knex.Transaction,
  events: readonly ProjectableEvent[],
  options: ApplyOptions,
): Promise<ApplyResult> => {
  const checkpoint = await lockCheckpoint(trx, readModelsProjection);
  const fresh = pastCheckpoint(events, checkpoint);
  const last = fresh[fresh.length - 1];
  if (!last) return { applied: 0, skipped: events.length, position: checkpoint, rejected: [] };
  const known = await loadKnownState(trx, requirementsOf(fresh));
  const changes = planBatch(fresh, known, options.timeZone);
  await writeChanges(trx, changes, { projection: readModelsProjection, position: last.position });
  return {
    applied: fresh.length - changes.rejected.length,
    skipped: events.length - fresh.length,
    position: last.position,
    rejected: changes.rejected,
  };
};

export type ApplyHooks = {
  /** Runs inside the transaction after the batch was applied, before it commits (fault injection). */
  beforeCommit?: (result: ApplyResult) => Promise<void>;
};

/** One batch in its own transaction. */
export const applyEventsInTransaction = (
  db: Knex,
  events: readonly ProjectableEvent[],
  options: ApplyOptions & { hooks?: ApplyHooks },
): Promise<ApplyResult> =>
  db.transaction(async (trx) => {
    const result = await applyEvents(trx, events, options);
    await options.hooks?.beforeCommit?.(result);
    return result;
  });
