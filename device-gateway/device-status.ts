import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { mergeIntoSummary, type SeqRange, type SeqSummary, unionRanges } from './seq-ranges.ts';

// device_status lives in the read-model database; the query API serves GET /v1/devices/{id} from it.
// The gateway writes it in batches: one transaction per flush whatever the number of requests. Seqs are
// merged with the stored row under a row lock, so several gateways sharing a device's requests still
// agree on its highest contiguous seq and its gaps.

export const deviceStatusTable = 'device_status';
export const defaultStatusFlushIntervalMs = 200;
/** Rows written per statement; a flush with more dirty devices takes several rounds in one transaction. */
const maxDevicesPerStatement = 500;

export type Presence = 'online' | 'offline';

export const migrateDeviceStatus = async (db: Knex): Promise<void> => {
  await db.raw(`
    CREATE TABLE IF NOT EXISTS ${deviceStatusTable} (
      device_id text PRIMARY KEY,
      presence text NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'offline')),
      last_seen_at timestamptz,
      last_seq bigint NOT NULL DEFAULT 0,
      highest_contiguous_seq bigint NOT NULL DEFAULT 0,
      gaps jsonb NOT NULL DEFAULT '[]'::jsonb,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
};

type Pending = { applied: SeqRange[]; lastSeenAt?: Date; presence?: Presence };

type StatusRow = {
  device_id: string;
  presence: Presence;
  last_seen_at: Date | string | null;
  last_seq: string | number;
  highest_contiguous_seq: string | number;
  gaps: SeqRange[] | string;
};

export type DeviceStatusWriter = {
  /** A request of this device got its final answer from the ledger. */
  recordApplied: (deviceId: string, seq: number) => void;
  recordSeen: (deviceId: string, at: Date) => void;
  recordPresence: (deviceId: string, presence: Presence, seenAt: Date | undefined) => void;
  flush: () => Promise<void>;
  stop: () => Promise<void>;
};

const laterOf = (left: Date | undefined, right: Date | undefined): Date | undefined =>
  left === undefined ? right : right === undefined || left >= right ? left : right;

const summaryOfRow = (row: StatusRow): SeqSummary => ({
  lastSeq: Number(row.last_seq),
  highestContiguousSeq: Number(row.highest_contiguous_seq),
  gaps: typeof row.gaps === 'string' ? (JSON.parse(row.gaps) as SeqRange[]) : row.gaps,
});

export const createDeviceStatusWriter = (options: {
  db: Knex;
  logger: Logger;
  clock: () => Date;
  flushIntervalMs?: number;
}): DeviceStatusWriter => {
  const { db, logger } = options;
  let pending = new Map<string, Pending>();
  let flushing: Promise<void> | undefined;

  const pendingOf = (deviceId: string): Pending => {
    let entry = pending.get(deviceId);
    if (!entry) {
      entry = { applied: [] };
      pending.set(deviceId, entry);
    }
    return entry;
  };

  const mergeBack = (failed: Map<string, Pending>) => {
    for (const [deviceId, entry] of failed) {
      const current = pendingOf(deviceId);
      current.applied = unionRanges(entry.applied, current.applied);
      current.lastSeenAt = laterOf(entry.lastSeenAt, current.lastSeenAt);
      current.presence ??= entry.presence;
    }
  };

  const writeRound = async (trx: Knex.Transaction, batch: Array<[string, Pending]>) => {
    const ids = batch.map(([deviceId]) => deviceId);
    await trx(deviceStatusTable)
      .insert(ids.map((deviceId) => ({ device_id: deviceId })))
      .onConflict('device_id')
      .ignore();
    const rows: StatusRow[] = await trx(deviceStatusTable)
      .whereIn('device_id', ids)
      .orderBy('device_id')
      .forUpdate();
    const byId = new Map(rows.map((row) => [row.device_id, row]));
    const now = options.clock();
    const updates = batch.map(([deviceId, entry]) => {
      const row = byId.get(deviceId) as StatusRow;
      const summary = mergeIntoSummary(summaryOfRow(row), entry.applied);
      const stored = row.last_seen_at === null ? undefined : new Date(row.last_seen_at);
      return {
        device_id: deviceId,
        presence: entry.presence ?? row.presence,
        last_seen_at: laterOf(stored, entry.lastSeenAt) ?? null,
        last_seq: summary.lastSeq,
        highest_contiguous_seq: summary.highestContiguousSeq,
        gaps: JSON.stringify(summary.gaps),
        updated_at: now,
      };
    });
    await trx(deviceStatusTable).insert(updates).onConflict('device_id').merge();
  };

  const flushOnce = async () => {
    if (pending.size === 0) return;
    const taken = pending;
    pending = new Map();
    const entries = [...taken].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    try {
      await db.transaction(async (trx) => {
        for (let start = 0; start < entries.length; start += maxDevicesPerStatement) {
          await writeRound(trx, entries.slice(start, start + maxDevicesPerStatement));
        }
      });
    } catch (error) {
      mergeBack(taken);
      logger.warn(
        { err: error, devices: taken.size },
        'device_status flush failed; retrying at the next flush',
      );
    }
  };

  const flush = async () => {
    while (flushing) await flushing;
    flushing = flushOnce().finally(() => {
      flushing = undefined;
    });
    await flushing;
  };

  const timer = setInterval(() => {
    if (!flushing) void flush();
  }, options.flushIntervalMs ?? defaultStatusFlushIntervalMs);
  timer.unref();

  return {
    recordApplied: (deviceId, seq) => {
      const entry = pendingOf(deviceId);
      entry.applied = unionRanges(entry.applied, [{ from: seq, to: seq }]);
    },
    recordSeen: (deviceId, at) => {
      const entry = pendingOf(deviceId);
      entry.lastSeenAt = laterOf(entry.lastSeenAt, at);
    },
    recordPresence: (deviceId, presence, seenAt) => {
      const entry = pendingOf(deviceId);
      entry.presence = presence;
      entry.lastSeenAt = laterOf(entry.lastSeenAt, seenAt);
    },
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
    },
  };
};
