import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { type EventStore, LedgerRejection, type Position } from '../../ledger-core/index.ts';
import {
  applyEvents,
  decodeRecordedEvent,
  type ProjectableEvent,
  readModelsPosition,
  rebuildReadModels,
} from '../../projections/index.ts';
import { positionAsOf } from '../positions.ts';
import type { ScanProgress } from '../scan.ts';
import {
  defaultMaxDifferenceRowsPerTable,
  type ReadModelDifferences,
  readModelDifferences,
} from './row-differences.ts';

// `ledger replay`: every read model rebuilt from the log into a scratch schema up to a point (I7).
//
// Verification compares with the live read models, which exist only at their own checkpoint: the
// live state at an earlier position is gone, and at a later one it does not exist yet. So --verify
// replays to the live checkpoint. If the live projector moves on while the replay runs, the comparison
// opens one REPEATABLE READ transaction, reads the live checkpoint L in its snapshot, applies the
// events up to L to the scratch schema inside that same transaction, and compares there: live and
// replay are then both exactly at L. An explicit --to or --as-of with --verify must name the live
// checkpoint itself.

export type ReplayOptions = {
  store: Pick<EventStore, 'readAll' | 'headPosition'>;
  /** The read-model database; its current schema holds the live read models. */
  db: Knex;
  timeZone: string;
  toPosition?: Position;
  /** Replay to the last event recorded at or before this instant. */
  asOf?: Date;
  verify?: boolean;
  /** Leave the scratch schema for inspection instead of dropping it. */
  keep?: boolean;
  batchSize?: number;
  maxDifferenceRowsPerTable?: number;
  onProgress?: ScanProgress;
  logger?: Logger;
};

export type ReplayVerification = ReadModelDifferences & {
  liveSchema: string;
  /** Where live and replay were compared. */
  comparedAt: Position;
  /** Events applied to the replay inside the comparison because the live projector had moved on. */
  caughtUpEvents: number;
};

export type ReplayResult = {
  schema: string;
  kept: boolean;
  /** The position asked for (or the live checkpoint with --verify, or the head). */
  targetPosition: Position;
  asOf?: string;
  events: number;
  invalidEvents: number;
  durationMs: number;
  eventsPerSecond: number;
  verification?: ReplayVerification;
};

const catchUpBatchSize = 5_000;

/** A fresh name each run, so the replay never writes into (or drops) a schema it did not create. */
const scratchSchemaName = (): string =>
  `replay_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_${randomBytes(4).toString('hex')}`;

const refuse = (message: string) => new LedgerRejection('validation_failed', message);

/** The point to replay to, and whether the caller named it. */
const targetOf = async (options: ReplayOptions): Promise<{ position: Position; explicit: boolean }> => {
  const { store, toPosition, asOf } = options;
  if (toPosition !== undefined && asOf !== undefined) throw refuse('give --to or --as-of, not both');
  const head = await store.headPosition();
  const named = toPosition ?? (asOf !== undefined ? await positionAsOf(store, asOf) : undefined);
  if (named !== undefined && named > head)
    throw refuse(`position ${named} is beyond the head of the log (${head})`);
  if (named !== undefined) return { position: named, explicit: true };
  return { position: options.verify ? await readModelsPosition(options.db) : head, explicit: false };
};

/** Applies (checkpoint, to] of the log to the scratch schema inside the comparison's transaction. */
const catchUp = async (trx: Knex.Transaction, options: ReplayOptions, schema: string, to: Position) => {
  await trx.raw(`SET LOCAL search_path TO "${schema}"`);
  let position = await readModelsPosition(trx);
  let events = 0;
  while (position < to) {
    const batch = await options.store.readAll({
      fromPosition: position,
      maxCount: catchUpBatchSize,
      toPosition: to,
    });
    const last = batch[batch.length - 1];
    if (!last) break;
    const valid = batch.flatMap((recorded): ProjectableEvent[] => {
      const decoded = decodeRecordedEvent(recorded);
      return decoded.ok ? [decoded.event] : [];
    });
    await applyEvents(trx, valid, { timeZone: options.timeZone });
    events += batch.length;
    position = last.position;
  }
  return events;
};

const verifyAgainstLive = async (
  options: ReplayOptions,
  schema: string,
  target: { position: Position; explicit: boolean },
): Promise<ReplayVerification> => {
  const { rows } = await options.db.raw<{ rows: Array<{ schema: string }> }>(
    'SELECT current_schema() AS schema',
  );
  const liveSchema = rows[0]?.schema as string;
  return options.db.transaction(async (trx) => {
    await trx.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    // The first read fixes the snapshot: the live read models as they stand at `live`.
    const live = await readModelsPosition(trx);
    if (live !== target.position && (target.explicit || live < target.position)) {
      throw refuse(
        `the live read models stand at position ${live}, not ${target.position}; --verify compares with them ` +
          'only at their own position (omit --to and --as-of to replay to it)',
      );
    }
    const caughtUpEvents = live > target.position ? await catchUp(trx, options, schema, live) : 0;
    const differences = await readModelDifferences(
      trx,
      liveSchema,
      schema,
      options.maxDifferenceRowsPerTable ?? defaultMaxDifferenceRowsPerTable,
    );
    return { ...differences, liveSchema, comparedAt: live, caughtUpEvents };
  });
};

export const replayReadModels = async (options: ReplayOptions): Promise<ReplayResult> => {
  const target = await targetOf(options);
  const schema = scratchSchemaName();
  try {
    const rebuilt = await rebuildReadModels({
      store: options.store,
      db: options.db,
      schema,
      timeZone: options.timeZone,
      toPosition: target.position,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      onProgress: ({ position, targetPosition, events }) =>
        options.onProgress?.({ after: 0n, position, through: targetPosition, events }),
    });
    const verification = options.verify ? await verifyAgainstLive(options, schema, target) : undefined;
    return {
      schema,
      kept: options.keep === true,
      targetPosition: target.position,
      ...(options.asOf ? { asOf: options.asOf.toISOString() } : {}),
      events: rebuilt.events,
      invalidEvents: rebuilt.invalidEvents,
      durationMs: Math.round(rebuilt.durationMs),
      eventsPerSecond: rebuilt.eventsPerSecond,
      ...(verification ? { verification } : {}),
    };
  } finally {
    if (!options.keep) await options.db.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
};
