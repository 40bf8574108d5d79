import type { Knex } from 'knex';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePosition, startPosition } from '../../ledger-core/index.ts';
import {
  applyEventsInTransaction,
  decodeRecordedEvent,
  migrateReadModels,
  readModelsPosition,
  startInProcessProjector,
  waitForPosition,
} from '../../projections/index.ts';
import { createIsolatedSchema, type IsolatedSchema } from '../../testing/postgres-schema.ts';
import { serviceAvailable } from '../../testing/services.ts';
import { balanceAsOf } from '../balance-as-of.ts';
import { type AuditLedger, openAuditLedger } from '../testing.ts';
import { type BalanceSnapshot, runRandomWorkload } from './random-workload.ts';
import { replayReadModels } from './replay.ts';

const postgresUp = await serviceAvailable('postgres');
const timeZone = 'Asia/Shanghai';
const silent = pino({ level: 'silent' });

const balancesIn = async (db: Knex, schema: string): Promise<Map<string, string>> => {
  const { rows } = await db.raw<{ rows: Array<{ account_id: string; balance: string }> }>(
    `SELECT account_id, balance::text AS balance FROM "${schema}".account_balances`,
  );
  return new Map(rows.map((row) => [row.account_id, row.balance]));
};

describe.skipIf(!postgresUp)('replay equals live (I7) after a random workload', () => {
  let ledger: AuditLedger;
  let readModels: IsolatedSchema;
  let snapshots: BalanceSnapshot[];
  let accountIds: string[];

  beforeAll(async () => {
    ledger = await openAuditLedger(timeZone);
    readModels = await createIsolatedSchema('live');
    await migrateReadModels(readModels.db);
    const projector = startInProcessProjector({
      store: ledger.store,
      db: readModels.db,
      timeZone,
      logger: silent,
      batchSize: 37,
    });
    const workload = await runRandomWorkload(ledger, {
      seed: 7,
      accounts: 10,
      commands: 260,
      startAt: '2024-05-01T02:00:00Z',
      // Long enough steps that the workload spans several business days.
      stepMs: 11 * 60_000,
    });
    expect(workload.refused).toBeGreaterThan(10);
    const types = await ledger.sql.query<{ type: string }>(
      'SELECT DISTINCT type FROM ledger_events ORDER BY type',
    );
    // Every event of the catalogue, so every projection code path is in the comparison.
    expect(types.map((row) => row.type)).toEqual([
      'AccountClosed',
      'AccountFrozen',
      'AccountOpened',
      'AccountUnfrozen',
      'BillPaid',
      'CardReplaced',
      'CardReportedLost',
      'Charged',
      'DeviceDecommissioned',
      'DeviceRegistered',
      'LimitsChanged',
      'MerchantRegistered',
      'MerchantSettled',
      'Refunded',
      'ToppedUp',
    ]);
    ({ snapshots, accountIds } = workload);
    const head = await ledger.store.headPosition();
    expect((await waitForPosition(readModels.db, head, 20_000)).reached).toBe(true);
    await projector.stop();
  });
  afterAll(async () => {
    await readModels?.drop();
    await ledger?.cleanup();
  });

  it('rebuilds every read model to the live checkpoint and finds no difference', async () => {
    const result = await replayReadModels({
      store: ledger.store,
      db: readModels.db,
      timeZone,
      verify: true,
      batchSize: 50,
    });
    expect(result.targetPosition).toBe(await ledger.store.headPosition());
    expect(result.verification).toMatchObject({ equal: true, differences: [], caughtUpEvents: 0 });
    expect(result.events).toBe(Number(result.targetPosition));
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    const { rows } = await readModels.db.raw<{ rows: unknown[] }>(
      'SELECT 1 FROM pg_namespace WHERE nspname = ?',
      [result.schema],
    );
    expect(rows).toHaveLength(0);
  });

  it('names each row that differs, column by column', async () => {
    const victim = accountIds[0] as string;
    await readModels.db.raw('UPDATE account_balances SET balance = balance + 1 WHERE account_id = ?', [
      victim,
    ]);
    await readModels.db.raw(
      'DELETE FROM journal_postings WHERE position = (SELECT min(position) FROM journal_postings)',
    );
    try {
      const result = await replayReadModels({
        store: ledger.store,
        db: readModels.db,
        timeZone,
        verify: true,
      });
      const verification = result.verification;
      expect(verification?.equal).toBe(false);
      expect(verification?.counts).toEqual([
        { table: 'account_balances', onlyInLive: 1, onlyInReplay: 1 },
        { table: 'journal_postings', onlyInLive: 0, onlyInReplay: expect.any(Number) },
      ]);
      const changed = verification?.differences.find((difference) => difference.table === 'account_balances');
      expect(changed).toMatchObject({ kind: 'changed', key: { account_id: victim }, columns: ['balance'] });
      expect(Number(changed?.live?.balance) - Number(changed?.replay?.balance)).toBe(1);
      expect(
        verification?.differences
          .filter((difference) => difference.table === 'journal_postings')
          .every((difference) => difference.kind === 'only_in_replay'),
      ).toBe(true);
    } finally {
      await readModels.db.raw('UPDATE account_balances SET balance = balance - 1 WHERE account_id = ?', [
        victim,
      ]);
    }
  });

  it('catches up with a live projector that moves on during the replay, and compares at its new position', async () => {
    const scratch = await createIsolatedSchema('moving');
    try {
      await migrateReadModels(scratch.db);
      const feed = async (to: bigint) => {
        const events = await ledger.store.readAll({
          fromPosition: await readModelsPosition(scratch.db),
          maxCount: 100_000,
          toPosition: to,
        });
        const valid = events.flatMap((event) => {
          const decoded = decodeRecordedEvent(event);
          return decoded.ok ? [decoded.event] : [];
        });
        await applyEventsInTransaction(scratch.db, valid, { timeZone });
      };
      const head = await ledger.store.headPosition();
      await feed(head / 2n);
      let moved = false;
      const result = await replayReadModels({
        store: ledger.store,
        db: scratch.db,
        timeZone,
        verify: true,
        batchSize: 5,
        onProgress: () => {
          if (!moved) {
            moved = true;
            void feed(head);
          }
        },
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(result.targetPosition).toBe(head / 2n);
      expect(result.verification).toMatchObject({ equal: true, comparedAt: head });
      expect(result.verification?.caughtUpEvents).toBe(Number(head - head / 2n));
    } finally {
      await scratch.drop();
    }
  });

  it('refuses --verify at a position where the live read models are not', async () => {
    await expect(
      replayReadModels({ store: ledger.store, db: readModels.db, timeZone, verify: true, toPosition: 5n }),
    ).rejects.toThrow(/the live read models stand at position \d+, not 5/);
    await expect(
      replayReadModels({ store: ledger.store, db: readModels.db, timeZone, toPosition: 10_000_000n }),
    ).rejects.toThrow(/beyond the head/);
  });

  it('--as-of agrees with the balances kept by hand and with balanceAsOf, at several times', async () => {
    const picks = [0.15, 0.5, 0.8, 1].map(
      (share) =>
        snapshots[Math.min(snapshots.length - 1, Math.floor(share * snapshots.length))] as BalanceSnapshot,
    );
    for (const snapshot of picks) {
      const result = await replayReadModels({
        store: ledger.store,
        db: readModels.db,
        timeZone,
        asOf: new Date(snapshot.at),
        keep: true,
      });
      try {
        const replayed = await balancesIn(readModels.db, result.schema);
        expect(replayed).toEqual(snapshot.balances);
        for (const [accountId, expected] of snapshot.balances) {
          const pointInTime = await balanceAsOf({
            store: ledger.store,
            accountId,
            asOf: new Date(snapshot.at),
          });
          expect(pointInTime).toMatchObject({
            balance: expected,
            position: result.targetPosition,
            exists: true,
          });
        }
      } finally {
        await readModels.db.raw(`DROP SCHEMA "${result.schema}" CASCADE`);
      }
    }
    const before = await balanceAsOf({
      store: ledger.store,
      accountId: accountIds[0] as string,
      asOf: new Date('2024-01-01T00:00:00Z'),
    });
    expect(before).toEqual({
      accountId: accountIds[0],
      exists: false,
      balance: '0.00',
      position: startPosition,
      revision: -1,
    });
    const byPosition = await balanceAsOf({
      store: ledger.store,
      accountId: accountIds[0] as string,
      position: parsePosition('3'),
    });
    expect(byPosition.exists).toBe(false);
  });
});
