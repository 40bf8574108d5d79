import type { Knex } from 'knex';
import type { EventStore, Position } from '../ledger-core/index.ts';
import { readModelsPosition, readProjectionCheckpoints } from './checkpoints.ts';
import { readModelsProjection } from './tables.ts';

export type ProjectionStatus = {
  projection: string;
  position: Position;
  headPosition: Position;
  /** Events in the log after the checkpoint (capped at `maxCountedLagEvents` on EventStoreDB). */
  lagEvents: number;
  /** How long the oldest unapplied event has been waiting; 0 when caught up. */
  lagSeconds: number;
};

/** On EventStoreDB positions are not dense, so lag is counted by reading, up to this many events. */
export const maxCountedLagEvents = 10_000;

/** Events after `position` up to `headPosition`, and how long the oldest has waited; zeros when caught up. */
export const lagOf = async (
  store: Pick<EventStore, 'kind' | 'readAll'>,
  position: Position,
  headPosition: Position,
  now: Date,
): Promise<{ lagEvents: number; lagSeconds: number }> => {
  if (headPosition <= position) return { lagEvents: 0, lagSeconds: 0 };
  // The SQL stores number their events 1, 2, 3…: the difference is the count.
  const dense = store.kind !== 'esdb';
  const pending = await store.readAll({
    fromPosition: position,
    maxCount: dense ? 1 : maxCountedLagEvents,
    toPosition: headPosition,
  });
  const oldest = pending[0];
  const lagSeconds = oldest
    ? Math.max(0, (now.getTime() - Date.parse(oldest.metadata.recordedAt)) / 1000)
    : 0;
  return { lagEvents: dense ? Number(headPosition - position) : pending.length, lagSeconds };
};

/** Position and lag of every projection against the event store's head: for health and metrics. */
export const projectionStatus = async (
  db: Knex,
  store: Pick<EventStore, 'kind' | 'readAll' | 'headPosition'>,
  now: () => Date = () => new Date(),
): Promise<ProjectionStatus[]> => {
  const [stored, headPosition] = await Promise.all([readProjectionCheckpoints(db), store.headPosition()]);
  // Before their first batch the read models have no checkpoint row yet: they are at the start.
  const checkpoints = stored.some((checkpoint) => checkpoint.projection === readModelsProjection)
    ? stored
    : [{ projection: readModelsProjection, position: 0n }, ...stored];
  return Promise.all(
    checkpoints.map(async ({ projection, position }) => ({
      projection,
      position,
      headPosition,
      ...(await lagOf(store, position, headPosition, now())),
    })),
  );
};

export const waitForPositionPollMs = 10;

export type WaitOutcome = { reached: boolean; position: Position };

/**
 * Read-your-writes (`X-Min-Position`): resolves as soon as the read models have applied `position`,
 * or after `timeoutMs` with `reached: false` and the position they are at.
 */
export const waitForPosition = async (
  db: Knex,
  position: Position,
  timeoutMs: number,
): Promise<WaitOutcome> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await readModelsPosition(db);
    if (current >= position) return { reached: true, position: current };
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) return { reached: false, position: current };
    await new Promise((resolve) => setTimeout(resolve, Math.min(waitForPositionPollMs, remainingMs)));
  }
};
