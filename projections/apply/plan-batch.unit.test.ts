import { describe, expect, it } from 'vitest';
import { eventLog, accountA1Opened as opened } from '../testing/events.ts';
import { type Fen, formatFen } from './fen.ts';
import { planBatch, requirementsOf } from './plan-batch.ts';
import type { KnownState } from './rows.ts';

const timeZone = 'Asia/Shanghai';
const nothingKnown = (): KnownState => ({
  accounts: new Map(),
  chargeMerchants: new Map(),
  merchants: new Map(),
  devices: new Map(),
});
const text = (value: Fen) => formatFen(value);

describe('planBatch', () => {
  it('turns money events into balances, history, postings that sum to zero, sales and daily totals', () => {
    const log = eventLog();
    const events = [
      log.next('merchant-m1', {
        type: 'MerchantRegistered',
        data: { merchantId: 'm1', name: 'Canteen', category: 'canteen' },
      }),
      log.next('account-a1', opened),
      log.next('account-a1', { type: 'ToppedUp', data: { txId: 't1', amount: '100.00', channel: 'wechat' } }),
      log.next('account-a1', {
        type: 'Charged',
        data: { txId: 'c1', amount: '30.50', merchantId: 'm1', offline: false },
      }),
      log.next('account-a1', { type: 'Refunded', data: { txId: 'r1', chargeTxId: 'c1', amount: '10.00' } }),
      log.next('account-a1', {
        type: 'BillPaid',
        data: { txId: 'b1', amount: '20.00', payee: 'water', billRef: 'W-1' },
      }),
      log.next('account-a1', {
        type: 'AccountClosed',
        data: { txId: 'x1', payoutAmount: '59.50', payoutChannel: 'bank' },
      }),
    ];
    const changes = planBatch(events, nothingKnown(), timeZone);

    const account = changes.accounts.get('a1');
    expect(account && text(account.balance)).toBe('0.00');
    expect(account?.status).toBe('closed');
    expect(account?.cardMasked).toBe('6222********2222');
    expect(account?.dailyDay).toBe('2025-03-01');
    expect(account && text(account.dailySpent)).toBe('30.50');
    expect(account?.position).toBe(7n);
    expect(account?.revision).toBe(5);

    expect(changes.transactions.map((row) => [row.type, text(row.amount), text(row.balanceAfter)])).toEqual([
      ['top-up', '100.00', '100.00'],
      ['charge', '-30.50', '69.50'],
      ['refund', '10.00', '79.50'],
      ['bill-payment', '-20.00', '59.50'],
      ['close', '-59.50', '0.00'],
    ]);
    expect(changes.transactions[2]?.merchantId).toBe('m1');

    expect(changes.transfers.map((transfer) => [transfer.from, transfer.to, text(transfer.amount)])).toEqual([
      ['channel:wechat', 'card:a1', '100.00'],
      ['card:a1', 'merchant:m1', '30.50'],
      ['merchant:m1', 'card:a1', '10.00'],
      ['card:a1', 'payee:water', '20.00'],
      ['card:a1', 'payout:bank', '59.50'],
    ]);
    expect(changes.transfers.map((transfer) => transfer.position)).toEqual([3n, 4n, 5n, 6n, 7n]);
    expect(
      changes.transfers.every((transfer) => transfer.amount > 0n && transfer.businessDate === '2025-03-01'),
    ).toBe(true);

    const sales = [...changes.merchantSales.values()];
    expect(
      sales.map((row) => [
        row.merchantId,
        row.hour,
        row.chargesCount,
        text(row.chargesAmount),
        row.refundsCount,
        text(row.refundsAmount),
      ]),
    ).toEqual([['m1', '2025-03-01T02:00:00.000Z', 1, '30.50', 1, '10.00']]);
    const totals = [...changes.dailyTotals.values()].map((row) => [
      row.dimension,
      row.key,
      row.count,
      text(row.amount),
    ]);
    expect(totals).toEqual([
      ['channel', 'wechat', 1, '100.00'],
      ['merchant', 'm1', 2, '20.50'],
      ['payee', 'water', 1, '20.00'],
      ['payout', 'bank', 1, '59.50'],
    ]);
    expect(changes.merchants.get('m1')?.position).toBe(1n);
  });

  it('counts sales in the UTC hour of each charge, out-of-order and offset times included', () => {
    const log = eventLog();
    const charge = (txId: string, occurredAt: string) =>
      log.next(
        'account-a1',
        { type: 'Charged', data: { txId, amount: '1.00', merchantId: 'm1', offline: true } },
        occurredAt,
      );
    const events = [
      log.next('account-a1', opened),
      charge('c1', '2025-03-01T02:59:59.999Z'),
      charge('c2', '2025-03-01T03:00:00.000Z'),
      // A late offline upload from the hour before, then 11:15 in Shanghai = 03:15 UTC.
      charge('c3', '2025-03-01T02:10:00.000Z'),
      charge('c4', '2025-03-01T11:15:00.000+08:00'),
    ];
    const changes = planBatch(events, nothingKnown(), timeZone);
    expect([...changes.merchantSales.values()].map((row) => [row.hour, row.chargesCount])).toEqual([
      ['2025-03-01T02:00:00.000Z', 2],
      ['2025-03-01T03:00:00.000Z', 2],
    ]);
  });

  it('keeps the daily spent of the latest business day, as the decider does', () => {
    const log = eventLog();
    const charge = (txId: string, amount: string, occurredAt: string) =>
      log.next(
        'account-a1',
        { type: 'Charged', data: { txId, amount, merchantId: 'm1', offline: true } },
        occurredAt,
      );
    const events = [
      log.next('account-a1', opened),
      // 23:30 in Shanghai on 1 March, then 00:30 on 2 March, then a late upload from 1 March.
      charge('c1', '5.00', '2025-03-01T15:30:00.000Z'),
      charge('c2', '7.00', '2025-03-01T16:30:00.000Z'),
      charge('c3', '9.00', '2025-03-01T15:45:00.000Z'),
      charge('c4', '1.00', '2025-03-01T16:45:00.000Z'),
    ];
    const account = planBatch(events, nothingKnown(), timeZone).accounts.get('a1');
    expect(account?.dailyDay).toBe('2025-03-02');
    expect(account && text(account.dailySpent)).toBe('8.00');
    expect(account && text(account.balance)).toBe('-22.00');
  });

  it('closing an empty account writes a history line without a transfer or totals', () => {
    const log = eventLog();
    const changes = planBatch(
      [
        log.next('account-a1', opened),
        log.next('account-a1', {
          type: 'AccountClosed',
          data: { txId: 'x1', payoutAmount: '0.00', payoutChannel: 'cash' },
        }),
      ],
      nothingKnown(),
      timeZone,
    );
    expect(changes.transactions.map((row) => [row.type, text(row.amount)])).toEqual([['close', '0.00']]);
    expect(changes.transfers).toEqual([]);
    expect(changes.dailyTotals.size).toBe(0);
  });

  it('asks for the stored merchant of a charge refunded in a later batch, and refuses an unknown one without a trace', () => {
    const log = eventLog();
    const first = [
      log.next('account-a1', opened),
      log.next('account-a1', {
        type: 'Charged',
        data: { txId: 'c1', amount: '3.00', merchantId: 'm1', offline: true },
      }),
    ];
    const refund = log.next('account-a1', {
      type: 'Refunded',
      data: { txId: 'r1', chargeTxId: 'c1', amount: '1.00' },
    });
    expect(requirementsOf([...first, refund]).chargeTxIds.size).toBe(0);
    expect([...requirementsOf([refund]).chargeTxIds]).toEqual(['c1']);

    const account = planBatch(first, nothingKnown(), timeZone).accounts.get('a1');
    const known = { ...nothingKnown(), accounts: new Map([['a1', account!]]) };
    const refused = planBatch([refund], known, timeZone);
    expect(refused.rejected).toEqual([
      { position: 3n, eventId: 'event-3', reason: 'refund of unknown charge c1 (at position 3)' },
    ]);
    expect([refused.accounts.size, refused.transactions.length, refused.transfers.length]).toEqual([0, 0, 0]);
    const withCharge = { ...known, chargeMerchants: new Map([['c1', 'm1']]) };
    const changes = planBatch([refund], withCharge, timeZone);
    expect(changes.transactions[0]?.merchantId).toBe('m1');
    expect(text(changes.accounts.get('a1')!.balance)).toBe('-2.00');
  });

  it('tracks the status and card of an account and the registries of merchants and devices', () => {
    const log = eventLog();
    const changes = planBatch(
      [
        log.next('merchant-m1', {
          type: 'MerchantRegistered',
          data: { merchantId: 'm1', name: 'Shop', category: 'shop' },
        }),
        log.next('device-d1', {
          type: 'DeviceRegistered',
          data: { deviceId: 'd1', merchantId: 'm1', kind: 'pos', keyId: 'k1' },
        }),
        log.next('account-a1', opened),
        log.next('account-a1', { type: 'AccountFrozen', data: { reason: 'lost wallet' } }),
        log.next('account-a1', { type: 'CardReportedLost', data: { cardNo: '6222000011112222' } }),
        log.next('account-a1', {
          type: 'CardReplaced',
          data: { oldCardNo: '6222000011112222', newCardNo: '6222000099998888' },
        }),
        log.next('account-a1', {
          type: 'LimitsChanged',
          data: { perTransaction: '50.00', daily: '80.00', offlineLimit: '0.00' },
        }),
        log.next('device-d1', { type: 'DeviceDecommissioned', data: {} }),
        log.next('merchant-m1', {
          type: 'MerchantSettled',
          data: { settlementId: 's1', businessDate: '2025-03-01', amount: '0.00' },
        }),
      ],
      nothingKnown(),
      timeZone,
    );
    const account = changes.accounts.get('a1')!;
    expect([account.status, account.cardStatus, account.cardMasked]).toEqual([
      'frozen',
      'active',
      '6222********8888',
    ]);
    expect([text(account.perTransactionLimit), text(account.dailyLimit), text(account.offlineLimit)]).toEqual(
      ['50.00', '80.00', '0.00'],
    );
    expect(changes.devices.get('d1')).toMatchObject({
      status: 'decommissioned',
      merchantId: 'm1',
      position: 8n,
    });
    expect(changes.merchants.get('m1')).toMatchObject({ name: 'Shop', position: 9n });
    expect(changes.transfers).toEqual([]);
  });
});
