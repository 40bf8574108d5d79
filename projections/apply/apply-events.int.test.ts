import { PGlite } from '@electric-sql/pglite';
import knex from 'knex';
import ClientPgLite from 'knex-pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedSchema, type IsolatedSchema } from '../../testing/postgres-schema.ts';
import { serviceAvailable } from '../../testing/services.ts';
import type { ProjectableEvent } from '../envelope.ts';
import { migrateReadModels } from '../migrations/migrate.ts';
import { eventLog } from '../testing/events.ts';
import { applyEvents, applyEventsInTransaction } from './apply-events.ts';

const postgresUp = await serviceAvailable('postgres');
const timeZone = 'Asia/Shanghai';

const sampleEvents = (): ProjectableEvent[] => {
  const log = eventLog();
  const opened = (accountId: string, cardNo: string) =>
    log.next(`account-${accountId}`, {
      type: 'AccountOpened',
      data: {
        accountId,
        holderName: `Holder ${accountId}`,
        holderType: 'student',
        cardNo,
        limits: { perTransaction: '500.00', daily: '1000.00' },
        offlineLimit: '50.00',
      },
    });
  return [
    log.next('merchant-m1', {
      type: 'MerchantRegistered',
      data: { merchantId: 'm1', name: 'Canteen', category: 'canteen' },
    }),
    log.next('device-d1', {
      type: 'DeviceRegistered',
      data: { deviceId: 'd1', merchantId: 'm1', kind: 'pos', keyId: 'k1' },
    }),
    opened('a1', '6222000011112222'),
    opened('a2', '6222000033334444'),
    log.next('account-a1', { type: 'ToppedUp', data: { txId: 't1', amount: '100.00', channel: 'alipay' } }),
    log.next('account-a2', { type: 'ToppedUp', data: { txId: 't2', amount: '20.00', channel: 'cash' } }),
    log.next('account-a1', {
      type: 'Charged',
      data: { txId: 'c1', amount: '12.30', merchantId: 'm1', deviceId: 'd1', offline: false },
    }),
    log.next('account-a2', {
      type: 'Charged',
      data: { txId: 'c2', amount: '45.00', merchantId: 'm1', offline: true },
    }),
    log.next('account-a1', { type: 'Refunded', data: { txId: 'r1', chargeTxId: 'c1', amount: '2.30' } }),
    log.next('account-a2', { type: 'ToppedUp', data: { txId: 't3', amount: '50.00', channel: 'bank' } }),
    log.next('device-d1', { type: 'DeviceDecommissioned', data: {} }),
    log.next('account-a1', {
      type: 'BillPaid',
      data: { txId: 'b1', amount: '30.00', payee: 'dorm', billRef: 'D-7' },
    }),
  ];
};

const contract = (name: string, open: () => Promise<{ db: knex.Knex; cleanup: () => Promise<void> }>) => {
  describe(name, () => {
    let db: knex.Knex;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrateReadModels(db);
      await migrateReadModels(db);
    });
    afterAll(() => cleanup());

    it('applies batches with their checkpoint and ignores a redelivered batch (I8)', async () => {
      const events = sampleEvents();
      const first = await applyEventsInTransaction(db, events.slice(0, 7), { timeZone });
      expect(first).toEqual({ applied: 7, skipped: 0, position: 7n, rejected: [] });
      // Redelivery overlapping the first batch: the known part is skipped, the rest applied once.
      const second = await applyEventsInTransaction(db, events.slice(4), { timeZone });
      expect(second).toEqual({ applied: 5, skipped: 3, position: 12n, rejected: [] });
      const snapshot = async () => ({
        balances: (
          await db.raw(
            'SELECT account_id, balance::text, debt::text, daily_spent::text, position::text FROM account_balances ORDER BY 1',
          )
        ).rows,
        transactions: (await db.raw('SELECT count(*)::int AS n FROM account_transactions')).rows,
        trial: (await db.raw('SELECT ledger_account, balance::text FROM trial_balance ORDER BY 1')).rows,
        sales: (
          await db.raw(
            'SELECT merchant_id, charges_count, charges_amount::text, refunds_count, refunds_amount::text FROM merchant_sales',
          )
        ).rows,
        totals: (
          await db.raw(
            `SELECT business_date::text, dimension, key, count, amount::text FROM daily_totals ORDER BY 1, 2, 3`,
          )
        ).rows,
        devices: (await db.raw('SELECT device_id, status, position::text FROM devices')).rows,
      });
      const before = await snapshot();
      const again = await applyEventsInTransaction(db, events, { timeZone });
      expect(again).toEqual({ applied: 0, skipped: 12, position: 12n, rejected: [] });
      expect(await snapshot()).toEqual(before);

      expect(before.balances).toEqual([
        { account_id: 'a1', balance: '60.00', debt: '0.00', daily_spent: '12.30', position: '12' },
        { account_id: 'a2', balance: '25.00', debt: '0.00', daily_spent: '45.00', position: '10' },
      ]);
      expect(before.transactions).toEqual([{ n: 7 }]);
      expect(before.trial).toEqual([
        { ledger_account: 'card:a1', balance: '60.00' },
        { ledger_account: 'card:a2', balance: '25.00' },
        { ledger_account: 'channel:alipay', balance: '-100.00' },
        { ledger_account: 'channel:bank', balance: '-50.00' },
        { ledger_account: 'channel:cash', balance: '-20.00' },
        { ledger_account: 'merchant:m1', balance: '55.00' },
        { ledger_account: 'payee:dorm', balance: '30.00' },
      ]);
      expect(before.sales).toEqual([
        {
          merchant_id: 'm1',
          charges_count: 2,
          charges_amount: '57.30',
          refunds_count: 1,
          refunds_amount: '2.30',
        },
      ]);
      expect(before.totals).toEqual([
        { business_date: '2025-03-01', dimension: 'channel', key: 'alipay', count: 1, amount: '100.00' },
        { business_date: '2025-03-01', dimension: 'channel', key: 'bank', count: 1, amount: '50.00' },
        { business_date: '2025-03-01', dimension: 'channel', key: 'cash', count: 1, amount: '20.00' },
        { business_date: '2025-03-01', dimension: 'merchant', key: 'm1', count: 3, amount: '55.00' },
        { business_date: '2025-03-01', dimension: 'payee', key: 'dorm', count: 1, amount: '30.00' },
      ]);
      expect(before.devices).toEqual([{ device_id: 'd1', status: 'decommissioned', position: '11' }]);
    });

    it('leaves nothing behind when the transaction fails after applying', async () => {
      const log = eventLog('2025-03-02T02:00:00.000Z');
      // Continue the same log: positions 13 and 14.
      for (let skip = 0; skip < 12; skip += 1)
        log.next('merchant-skip', {
          type: 'MerchantRegistered',
          data: { merchantId: 'skip', name: 'x', category: 'other' },
        });
      const topUp = log.next('account-a1', {
        type: 'ToppedUp',
        data: { txId: 't9', amount: '1.00', channel: 'cash' },
      });
      const failing = applyEventsInTransaction(db, [{ ...topUp, revision: 5 }], {
        timeZone,
        hooks: {
          beforeCommit: async (result) => {
            expect(result.applied).toBe(1);
            throw new Error('crash inside the transaction');
          },
        },
      });
      await expect(failing).rejects.toThrow('crash inside the transaction');
      const { rows } = await db.raw(`SELECT balance::text FROM account_balances WHERE account_id = 'a1'`);
      expect(rows).toEqual([{ balance: '60.00' }]);
      const checkpoint = await db.transaction((trx) => applyEvents(trx, [], { timeZone }));
      expect(checkpoint.position).toBe(12n);
    });
  });
};

describe.skipIf(!postgresUp)('applyEvents on Postgres', () => {
  let isolated: IsolatedSchema;
  contract('postgres', async () => {
    isolated = await createIsolatedSchema('rm');
    return { db: isolated.db, cleanup: () => isolated.drop() };
  });
});

contract('applyEvents on PGlite', async () => {
  const database = new PGlite();
  const db = knex({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: () => ({ pglite: database }) as object,
  });
  return { db, cleanup: () => db.destroy() };
});
