import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import { handlerOn, ledgerCommand, testContext } from '../../testing/ledger-store.ts';
import type { EventStore } from '../event-store/port.ts';
import type { CommandHandler } from './command-handler.ts';

// The embedded default: the command handler on PGlite, one happy path end to end.
describe('command handler on PGlite', () => {
  let store: EventStore;
  let handler: CommandHandler;

  beforeAll(async () => {
    const sql = createPgliteClient(new PGlite(), { closeDatabase: true });
    await migrateEventStoreSchema(sql);
    store = createSqlEventStore(sql);
    handler = handlerOn(store);
  });
  afterAll(async () => {
    await handler.close();
    await store.close();
  });

  it('registers a merchant, opens, tops up, charges, refunds, and answers a replay with the original outcome', async () => {
    const run = (input: Parameters<typeof ledgerCommand>[0]) =>
      handler.handle(ledgerCommand(input), testContext);
    await run({ type: 'RegisterMerchant', merchantId: 'shop', name: 'Shop', category: 'shop' });
    await run({
      type: 'OpenAccount',
      accountId: 'p1',
      holderName: 'P',
      holderType: 'staff',
      cardNo: '62000000009',
    });
    const topUp = await run({
      type: 'TopUp',
      accountId: 'p1',
      txId: 'p-top',
      amount: '30',
      channel: 'wechat',
    });
    const charge = await run({
      type: 'Charge',
      accountId: 'p1',
      txId: 'p-charge',
      amount: '12.40',
      merchantId: 'shop',
    });
    const refund = await run({
      type: 'Refund',
      accountId: 'p1',
      txId: 'p-refund',
      chargeTxId: 'p-charge',
      amount: '2.40',
    });
    expect([topUp.balance, charge.balance, refund.balance]).toEqual(['30.00', '17.60', '20.00']);
    expect(refund.position).toBeGreaterThan(charge.position);
    const replay = await run({
      type: 'Charge',
      accountId: 'p1',
      txId: 'p-charge',
      amount: '12.40',
      merchantId: 'shop',
    });
    expect(replay).toMatchObject({ replayed: true, balance: '17.60', position: charge.position });
    expect((await store.readStream('account-p1')).map((event) => event.type)).toEqual([
      'AccountOpened',
      'ToppedUp',
      'Charged',
      'Refunded',
    ]);
  });
});
