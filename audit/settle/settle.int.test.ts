import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../testing/services.ts';
import { type AuditLedger, openAuditLedger } from '../testing.ts';
import { settleBusinessDay } from './settle-day.ts';

const postgresUp = await serviceAvailable('postgres');
const timeZone = 'Asia/Shanghai';
const finance = { type: 'finance', id: 'settle-test' } as const;

describe.skipIf(!postgresUp)('settle a business day', () => {
  let ledger: AuditLedger;

  beforeAll(async () => {
    ledger = await openAuditLedger(timeZone);
    const { run, setClock } = ledger;
    setClock('2024-04-30T02:00:00Z');
    await run({ type: 'RegisterMerchant', merchantId: 'canteen', name: 'Canteen', category: 'canteen' });
    await run({ type: 'RegisterMerchant', merchantId: 'shop', name: 'Shop', category: 'shop' });
    await run({ type: 'RegisterMerchant', merchantId: 'idle', name: 'Idle', category: 'other' });
    await run({
      type: 'OpenAccount',
      accountId: 's1',
      holderName: 'S1',
      holderType: 'student',
      cardNo: '62220000001',
    });
    await run({ type: 'TopUp', accountId: 's1', txId: 't1', amount: '300.00', channel: 'cash' });
    await run({ type: 'Charge', accountId: 's1', txId: 'c0', amount: '9.90', merchantId: 'shop' });
    // 2024-05-01 in Shanghai runs from 2024-04-30T16:00Z to 2024-05-01T16:00Z.
    setClock('2024-04-30T16:00:00Z');
    await run({ type: 'Charge', accountId: 's1', txId: 'c1', amount: '12.50', merchantId: 'canteen' });
    await run({ type: 'Charge', accountId: 's1', txId: 'c2', amount: '8.00', merchantId: 'canteen' });
    await run({ type: 'Refund', accountId: 's1', txId: 'r1', chargeTxId: 'c2', amount: '3.00' });
    // A refund today of yesterday's charge is taken from today's settlement of that merchant.
    await run({ type: 'Refund', accountId: 's1', txId: 'r0', chargeTxId: 'c0', amount: '9.90' });
    setClock('2024-05-01T15:59:59.999Z');
    await run({ type: 'Charge', accountId: 's1', txId: 'c3', amount: '20.00', merchantId: 'canteen' });
    setClock('2024-05-01T16:00:00Z');
    await run({ type: 'Charge', accountId: 's1', txId: 'c4', amount: '99.00', merchantId: 'canteen' });
  });
  afterAll(async () => ledger?.cleanup());

  const settle = (businessDate: string, now = new Date('2024-05-02T01:00:00Z')) =>
    settleBusinessDay({
      store: ledger.store,
      handler: ledger.handler,
      businessDate,
      timeZone,
      now,
      actor: finance,
    });

  it('pays each merchant its charges minus refunds of the day, once; the second run settles nothing', async () => {
    const first = await settle('2024-05-01');
    expect(
      first.lines.map(({ merchantId, charges, refunds, payout, status }) => ({
        merchantId,
        charges,
        refunds,
        payout,
        status,
      })),
    ).toEqual([
      {
        merchantId: 'canteen',
        charges: { count: 3, amount: '40.50' },
        refunds: { count: 1, amount: '3.00' },
        payout: '37.50',
        status: 'settled',
      },
      {
        merchantId: 'shop',
        charges: { count: 0, amount: '0.00' },
        refunds: { count: 1, amount: '9.90' },
        payout: '-9.90',
        status: 'settled',
      },
    ]);
    expect(first).toMatchObject({ settled: 2, alreadySettled: 0, amountsDiffer: 0, settledPayout: '27.60' });
    const [settledEvent] = await ledger.store.readStream('merchant-canteen', { fromRevision: 1 });
    expect(settledEvent).toMatchObject({
      type: 'MerchantSettled',
      data: { settlementId: 'canteen:2024-05-01', businessDate: '2024-05-01', amount: '37.50' },
    });

    const head = await ledger.store.headPosition();
    const second = await settle('2024-05-01');
    expect(second).toMatchObject({ settled: 0, alreadySettled: 2, amountsDiffer: 0, settledPayout: '0.00' });
    expect(second.lines.map((line) => line.status)).toEqual(['already_settled', 'already_settled']);
    expect(await ledger.store.headPosition()).toBe(head);
  });

  it('says when a recorded settlement no longer matches the log', async () => {
    await ledger.sql.query(
      `UPDATE ledger_events SET data = jsonb_set(data, '{amount}', '"1.00"') WHERE stream_id = 'merchant-canteen' AND type = 'MerchantSettled'`,
    );
    const run = await settle('2024-05-01');
    expect(run.lines[0]).toMatchObject({
      merchantId: 'canteen',
      status: 'settled_amount_differs',
      recordedPayout: '1.00',
      payout: '37.50',
    });
    expect(run.amountsDiffer).toBe(1);
  });

  it('refuses a day that has not ended, and settles nothing on a day without sales', async () => {
    await expect(settle('2024-05-02', new Date('2024-05-02T15:00:00Z'))).rejects.toThrow(/has not ended yet/);
    const quiet = await settle('2024-04-28');
    expect(quiet).toMatchObject({ lines: [], settled: 0 });
  });
});
