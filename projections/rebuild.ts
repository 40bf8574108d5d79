import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { EventStore, Position, RecordedEvent } from '../ledger-core/index.ts';
import { lockCheckpoint } from './apply/apply-events.ts';
import { carryChanges, emptyCarriedState, knownStateFor } from './apply/carried-state.ts';
import { loadChargeMerchants } from './apply/load-known-state.ts';
import { planBatch, refundedChargesOf } from './apply/plan-batch.ts';
import type { BatchChanges } from './apply/rows.ts';
import { splitWrites } from './apply/write-changes.ts';
import { deferIndexes, rebuildDeferredIndexes } from './deferred-indexes.ts';
import { decodeRecordedEvent, type ProjectableEvent } from './envelope.ts';
import { migrateReadModels } from './migrations/migrate.ts';
import { quoteIdentifier } from './schema-name.ts';
import { readModelsProjection } from './tables.ts';

/**
 * Events per rebuild transaction. Large, because an account touched by a batch is written once per
 * batch however many of its events the batch holds (a million-event log of 20,000 accounts rebuilds
 * about twice as fast with 100,000 as with 20,000). Three batches are in memory at a time (read,
 * planned, being written) besides the carried state: about 650 MB of process memory for that log.
 */
export const defaultRebuildBatchSize = 100_000;

export type RebuildProgress = { position: Position; targetPosition: Position; events: number };

export type RebuildOptions = {
  store: Pick<EventStore, 'readAll' | 'headPosition'>;
  /** Any connection to the database; the rebuild writes only into `schema`. */
  db: Knex;
  /** A schema that must not exist yet: the rebuild creates it. */
  schema: string;
  timeZone: string;
  /** Apply the log up to and including this position; the head at the start when absent. */
  toPosition?: Position;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  logger?: Logger;
};

export type RebuildResult = {
  schema: string;
  /** The checkpoint of the rebuilt read models: the last applied position. */
  position: Position;
  /** Events read from the log. */
  events: number;
  applied: number;
  /** Events that failed validation and were skipped, as every projector skips (dead-letters) them. */
  invalidEvents: number;
  durationMs: number;
  eventsPerSecond: number;
};

type DecodedBatch = { last: RecordedEvent | undefined; count: number; valid: ProjectableEvent[] };

const decodeBatch = (
  batch: RecordedEvent[],
  logger: Logger | undefined,
): DecodedBatch & { invalid: number } => {
  const valid: ProjectableEvent[] = [];
  let invalid = 0;
  for (const recorded of batch) {
    const decoded = decodeRecordedEvent(recorded);
    if (decoded.ok) valid.push(decoded.event);
    else {
      invalid += 1;
      logger?.warn(
        { position: recorded.position.toString(), reason: decoded.reason },
        'rebuild skipped an invalid event',
      );
    }
  }
  return { last: batch[batch.length - 1], count: batch.length, valid, invalid };
};

const fillSchema = async (
  options: RebuildOptions,
  quotedSchema: string,
  startedAt: number,
): Promise<RebuildResult> => {
  const { store, db, schema, timeZone, logger } = options;
  const batchSize = options.batchSize ?? defaultRebuildBatchSize;
  await migrateReadModels(db, { schema });
  const buildDeferredIndexes = await deferIndexes(db, schema, rebuildDeferredIndexes);
  const targetPosition = options.toPosition ?? (await store.headPosition());

  const readAhead = (fromPosition: Position) => {
    const reading = store
      .readAll({ fromPosition, maxCount: batchSize, toPosition: targetPosition })
      .then((batch) => decodeBatch(batch, logger));
    // If applying fails first, this read's own failure must not go unhandled.
    reading.catch(() => undefined);
    return reading;
  };
  const inTransaction = <T>(work: (trx: Knex.Transaction) => Promise<T>) =>
    db.transaction(async (trx) => {
      await trx.raw(`SET LOCAL search_path TO ${quotedSchema}`);
      // A rebuild that dies is simply run again, so its commits need not wait for the disk.
      await trx.raw('SET LOCAL synchronous_commit TO off');
      return work(trx);
    });
  // The checkpoint row the batches' writes advance, at the start of the log.
  await inTransaction((trx) => lockCheckpoint(trx, readModelsProjection));
  const loadStoredCharges = (txIds: Set<string>) => inTransaction((trx) => loadChargeMerchants(trx, txIds));
  // The postings and the rest on two connections at once: Postgres spends most of a rebuild here.
  const write = async (changes: BatchChanges, checkpoint: Position) => {
    await Promise.all([
      inTransaction((trx) => splitWrites.postings(trx, changes)),
      inTransaction((trx) =>
        splitWrites.rest(trx, changes, { projection: readModelsProjection, position: checkpoint }),
      ),
    ]);
  };

  const carried = emptyCarriedState();
  let events = 0;
  let applied = 0;
  let invalidEvents = 0;
  let position: Position = 0n;
  let writing: Promise<void> = Promise.resolve();
  let next = readAhead(position);
  for (;;) {
    const batch = await next;
    if (!batch.last) break;
    const lastRead = batch.last.position;
    if (lastRead < targetPosition) next = readAhead(lastRead);
    // Planning batch N+1 here: batches up to N-1 are committed, as `writing` (batch N) began after them.
    const refundedCharges = refundedChargesOf(batch.valid);
    const known = await knownStateFor(carried, refundedCharges, loadStoredCharges);
    const changes = planBatch(batch.valid, known, timeZone);
    carryChanges(carried, changes);
    for (const rejected of changes.rejected) {
      logger?.warn(
        { position: rejected.position.toString(), reason: rejected.reason },
        'rebuild skipped a refused event',
      );
    }
    const lastValid = batch.valid[batch.valid.length - 1];
    // One write in flight: batch N is written while batch N+1 is read and planned.
    await writing;
    if (lastValid) {
      position = lastValid.position;
      writing = write(changes, position);
      // Awaited above or below; until then its failure must not go unhandled.
      writing.catch(() => undefined);
    }
    events += batch.count;
    invalidEvents += batch.invalid;
    applied += batch.valid.length - changes.rejected.length;
    options.onProgress?.({ position: lastRead, targetPosition, events });
    if (lastRead >= targetPosition) break;
  }
  await writing;
  await buildDeferredIndexes();
  const durationMs = performance.now() - startedAt;
  return {
    schema,
    position,
    events,
    applied,
    invalidEvents,
    durationMs,
    eventsPerSecond: durationMs > 0 ? Math.round((events / durationMs) * 1000) : events,
  };
};

/**
 * Rebuilds every read model from the event log into a fresh schema, with the same `planBatch` and
 * writes the live projectors apply, so the result at position P equals the live read models at
 * P (I7). Being the schema's only writer, it plans each batch on the state carried over from the
 * batches before it instead of loading rows back, so three things overlap: Postgres writes batch N
 * while batch N+1 is planned and batch N+2 read.
 */
export const rebuildReadModels = async (options: RebuildOptions): Promise<RebuildResult> => {
  const quotedSchema = quoteIdentifier(options.schema);
  const db = options.db;
  const startedAt = performance.now();
  await db.raw(`CREATE SCHEMA ${quotedSchema}`);
  try {
    return await fillSchema(options, quotedSchema, startedAt);
  } catch (error) {
    // Half a rebuild is worth nothing: leave no schema that could be mistaken for a complete one.
    await db.raw(`DROP SCHEMA IF EXISTS ${quotedSchema} CASCADE`).catch(() => undefined);
    throw error;
  }
};
