import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopUpChannel } from '../../ledger-core/index.ts';
import { serviceAvailable } from '../../testing/services.ts';
import { type AuditLedger, openAuditLedger } from '../testing.ts';
import { type ReconciliationReport, reconcileStatement } from './reconcile.ts';
import { reconciliationCsv } from './report.ts';
import type { StatementChannel } from './statement.ts';

const postgresUp = await serviceAvailable('postgres');
const timeZone = 'Asia/Shanghai';
const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));

/** Classes by reference, and totals, as one comparable value. */
const outcome = (report: ReconciliationReport) => ({
  classes: report.items.map((item) => `${item.class} ${item.kind} ${item.reference}`),
  totals: report.totals,
  ok: report.ok,
});

/** The planted cases of audit/fixtures/README.md, identical for every format: only the totals differ for generic. */
const plantedClasses = (prefix: string, missingInStatement: string[]) => [
  `matched top-up ${prefix}-ORD-1`,
  `amount_mismatch top-up ${prefix}-ORD-2`,
  `missing_in_ledger top-up ${prefix}-ORD-4`,
  `duplicate_in_statement top-up ${prefix}-ORD-1`,
  `matched refund ${prefix}-REF-1`,
  `missing_in_ledger refund ${prefix}-REF-9`,
  ...missingInStatement,
];
const plantedTotals = (missingInStatementAmount: string, missingInStatementCount: number) => ({
  matched: { count: 2, statementAmount: '105.00', ledgerAmount: '105.00' },
  missing_in_ledger: { count: 2, statementAmount: '28.00', ledgerAmount: '0.00' },
  missing_in_statement: {
    count: missingInStatementCount,
    statementAmount: '0.00',
    ledgerAmount: missingInStatementAmount,
  },
  amount_mismatch: { count: 1, statementAmount: '55.00', ledgerAmount: '50.00' },
  duplicate_in_statement: { count: 1, statementAmount: '100.00', ledgerAmount: '0.00' },
});

describe.skipIf(!postgresUp)('reconcile against the ledger', () => {
  let ledger: AuditLedger;

  /** One business day of a named channel: the ledger half of the planted cases. */
  const plantChannelDay = async (day: string, prefix: string, channel: TopUpChannel, accountId: string) => {
    ledger.setClock(`${day}T01:00:00Z`);
    const topUp = (suffix: string, amount: string, topUpChannel: TopUpChannel, externalRef?: string) =>
      ledger.run({
        type: 'TopUp',
        accountId,
        txId: `${prefix}-top-${suffix}`,
        amount,
        channel: topUpChannel,
        ...(externalRef ? { externalRef } : {}),
      });
    await topUp('1', '100.00', channel, `${prefix}-ORD-1`);
    await topUp('2', '50.00', channel, `${prefix}-ORD-2`);
    await topUp('3', '30.00', channel, `${prefix}-ORD-3`);
    // Out of scope: another channel, and a cash top-up with no reference.
    await topUp('other', '10.00', channel === 'alipay' ? 'wechat' : 'alipay', `${prefix}-OTHER`);
    await topUp('cash', '40.00', 'cash');
    await ledger.run({
      type: 'Refund',
      accountId,
      txId: `${prefix}-REF-1`,
      chargeTxId: `chg-${accountId}`,
      amount: '5.00',
    });
    await ledger.run({
      type: 'Refund',
      accountId,
      txId: `${prefix}-REF-2`,
      chargeTxId: `chg-${accountId}`,
      amount: '3.00',
    });
  };

  beforeAll(async () => {
    ledger = await openAuditLedger(timeZone);
    ledger.setClock('2024-04-30T10:00:00Z');
    await ledger.run({
      type: 'RegisterMerchant',
      merchantId: 'canteen',
      name: 'Canteen',
      category: 'canteen',
    });
    for (const [index, accountId] of ['w1', 'a1', 'b1', 'g1', 'g2'].entries()) {
      await ledger.run({
        type: 'OpenAccount',
        accountId,
        holderName: accountId,
        holderType: 'student',
        cardNo: `622200000000${index}`,
      });
      await ledger.run({
        type: 'TopUp',
        accountId,
        txId: `seed-${accountId}`,
        amount: '200.00',
        channel: 'cash',
      });
      await ledger.run({
        type: 'Charge',
        accountId,
        txId: `chg-${accountId}`,
        amount: '20.00',
        merchantId: 'canteen',
      });
    }
    await plantChannelDay('2024-05-01', 'WX', 'wechat', 'w1');
    await plantChannelDay('2024-05-02', 'ALI', 'alipay', 'a1');
    await plantChannelDay('2024-05-03', 'BANK', 'bank', 'b1');
    ledger.setClock('2024-05-04T01:00:00Z');
    const run = ledger.run;
    await run({
      type: 'TopUp',
      accountId: 'g1',
      txId: 'gen-top-1',
      amount: '100.00',
      channel: 'wechat',
      externalRef: 'GEN-ORD-1',
    });
    await run({
      type: 'TopUp',
      accountId: 'g1',
      txId: 'gen-top-2',
      amount: '50.00',
      channel: 'cash',
      externalRef: 'GEN-ORD-2',
    });
    await run({
      type: 'TopUp',
      accountId: 'g2',
      txId: 'gen-top-3',
      amount: '30.00',
      channel: 'alipay',
      externalRef: 'GEN-ORD-3',
    });
    await run({ type: 'TopUp', accountId: 'g2', txId: 'gen-top-cash', amount: '40.00', channel: 'cash' });
    await run({ type: 'Refund', accountId: 'g1', txId: 'GEN-REF-1', chargeTxId: 'chg-g1', amount: '5.00' });
    await run({ type: 'Refund', accountId: 'g2', txId: 'GEN-REF-2', chargeTxId: 'chg-g2', amount: '3.00' });
  });
  afterAll(async () => ledger?.cleanup());

  const reconcile = (channel: StatementChannel, businessDate: string, statement: Uint8Array) =>
    reconcileStatement({ store: ledger.store, channel, businessDate, timeZone, statement });

  it.each([
    ['wechat', '2024-05-01', 'wechat-2024-05-01.csv', 'WX'],
    ['alipay', '2024-05-02', 'alipay-2024-05-02.csv', 'ALI'],
    ['alipay', '2024-05-02', 'alipay-2024-05-02.zip', 'ALI'],
    ['bank', '2024-05-03', 'bank-2024-05-03.csv', 'BANK'],
  ] as const)('%s %s (%s): every planted class with exact totals', async (channel, date, file, prefix) => {
    const report = await reconcile(channel, date, fixture(file));
    expect(outcome(report)).toEqual({
      // The ledger refund REF-2 names no channel, so it is not missing from a channel's statement.
      classes: plantedClasses(prefix, [`missing_in_statement top-up ${prefix}-ORD-3`]),
      totals: plantedTotals('30.00', 1),
      ok: false,
    });
    expect(report.ignoredStatementLines).toBe(channel === 'wechat' ? 1 : 0);
  });

  it('generic 2024-05-04: top-ups with a reference of any channel, and every refund of the day', async () => {
    const report = await reconcile('generic', '2024-05-04', fixture('generic-2024-05-04.csv'));
    expect(outcome(report)).toEqual({
      classes: plantedClasses('GEN', [
        'missing_in_statement top-up GEN-ORD-3',
        'missing_in_statement refund GEN-REF-2',
      ]),
      totals: plantedTotals('33.00', 2),
      ok: false,
    });
    expect(report.items.find((item) => item.reference === 'GEN-ORD-3')).toMatchObject({
      ledgerTxId: 'gen-top-3',
      accountId: 'g2',
      ledgerAmount: '30.00',
    });
  });

  it('is deterministic: the same statement gives the same report, byte for byte', async () => {
    const first = await reconcile('alipay', '2024-05-02', fixture('alipay-2024-05-02.zip'));
    const second = await reconcile('alipay', '2024-05-02', fixture('alipay-2024-05-02.zip'));
    expect(reconciliationCsv(second)).toBe(reconciliationCsv(first));
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('is ok when statement and ledger agree', async () => {
    const statement = [
      'bank_tx_id,booked_at,direction,amount,currency,reference,counterparty',
      'B1,2024-05-03T09:00:00+08:00,credit,100.00,CNY,BANK-ORD-1,one',
      'B2,2024-05-03T09:10:00+08:00,credit,50,CNY,BANK-ORD-2,one',
      'B3,2024-05-03T09:20:00+08:00,credit,30.0,CNY,BANK-ORD-3,one',
      'B4,2024-05-03T12:00:00+08:00,debit,3.00,CNY,BANK-REF-2,one',
    ].join('\n');
    const report = await reconcile('bank', '2024-05-03', new TextEncoder().encode(statement));
    expect(report.ok).toBe(true);
    expect(report.totals.matched).toEqual({ count: 4, statementAmount: '183.00', ledgerAmount: '183.00' });
  });

  it('refuses a statement of another date, or with a line of another date, or of another channel', async () => {
    await expect(reconcile('wechat', '2024-05-02', fixture('wechat-2024-05-01.csv'))).rejects.toThrow(
      'the statement is for 2024-05-01, not 2024-05-02',
    );
    await expect(reconcile('alipay', '2024-05-01', fixture('alipay-2024-05-02.zip'))).rejects.toThrow(
      'the statement is for 2024-05-02, not 2024-05-01',
    );
    const generic = readFileSync(new URL('../fixtures/generic-2024-05-04.csv', import.meta.url), 'utf8');
    const stray = generic.replace('2024-05-04T10:10:00+08:00', '2024-05-05T00:10:00+08:00');
    await expect(reconcile('generic', '2024-05-04', new TextEncoder().encode(stray))).rejects.toThrow(
      'statement line 4: 2024-05-04T16:10:00.000Z is on 2024-05-05 in Asia/Shanghai, not 2024-05-04',
    );
    await expect(reconcile('bank', '2024-05-01', fixture('wechat-2024-05-01.csv'))).rejects.toThrow(
      'the statement is in the wechat format, but --channel is bank',
    );
  });
});
