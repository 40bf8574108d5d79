import { describe, expect, it } from 'vitest';
import { eventLog, accountA1Opened as opened } from '../testing/events.ts';
import { carryChanges, emptyCarriedState, knownStateFor } from './carried-state.ts';
import { formatFen } from './fen.ts';
import { planBatch, refundedChargesOf } from './plan-batch.ts';

const timeZone = 'Asia/Shanghai';

const charge = (txId: string, amount: string) =>
  ({ type: 'Charged', data: { txId, amount, merchantId: 'm1', offline: false } }) as const;
const refund = (txId: string, chargeTxId: string) =>
  ({ type: 'Refunded', data: { txId, chargeTxId, amount: '1.00' } }) as const;

/** Three batches of one account: open and top up; two charges; refunds of both charges. */
const threeBatches = () => {
  const log = eventLog();
  return [
    [
      log.next('merchant-m1', {
        type: 'MerchantRegistered',
        data: { merchantId: 'm1', name: 'Canteen', category: 'canteen' },
      }),
      log.next('account-a1', opened),
      log.next('account-a1', { type: 'ToppedUp', data: { txId: 't1', amount: '100.00', channel: 'cash' } }),
    ],
    [log.next('account-a1', charge('c1', '10.00')), log.next('account-a1', charge('c2', '20.00'))],
    [log.next('account-a1', refund('r1', 'c1')), log.next('account-a1', refund('r2', 'c2'))],
  ];
};

describe('carried state', () => {
  it('plans each batch on what the batches before it changed, as one batch of everything would', async () => {
    const batches = threeBatches();
    const carried = emptyCarriedState();
    const noStoredCharges = async () => new Map<string, string>();
    for (const batch of batches) {
      const known = await knownStateFor(carried, refundedChargesOf(batch), noStoredCharges);
      const changes = planBatch(batch, known, timeZone);
      expect(changes.rejected).toEqual([]);
      carryChanges(carried, changes);
    }
    const nothingKnown = {
      accounts: new Map(),
      chargeMerchants: new Map(),
      merchants: new Map(),
      devices: new Map(),
    };
    const whole = planBatch(batches.flat(), nothingKnown, timeZone);
    expect(carried.accounts.get('a1')).toEqual(whole.accounts.get('a1'));
    expect(formatFen(carried.accounts.get('a1')?.balance ?? 0n)).toBe('72.00');
  });

  it('carries only the last batch charges and asks for older ones, once, only when a refund names them', async () => {
    const [first = [], second = [], third = []] = threeBatches();
    const carried = emptyCarriedState();
    const asked: string[][] = [];
    const stored = async (txIds: Set<string>) => {
      asked.push([...txIds]);
      return new Map([...txIds].filter((txId) => txId === 'c1').map((txId) => [txId, 'm1']));
    };
    carryChanges(carried, planBatch(first, await knownStateFor(carried, new Set(), stored), timeZone));
    carryChanges(carried, planBatch(second, await knownStateFor(carried, new Set(), stored), timeZone));
    expect([...carried.lastBatchCharges]).toEqual([
      ['c1', 'm1'],
      ['c2', 'm1'],
    ]);
    expect(asked).toEqual([]);

    // A batch without charges: the next one finds c1 and c2 only where they were written.
    carryChanges(carried, planBatch([], await knownStateFor(carried, new Set(), stored), timeZone));
    expect(carried.lastBatchCharges.size).toBe(0);
    const known = await knownStateFor(carried, refundedChargesOf(third), stored);
    expect(asked).toEqual([['c1', 'c2']]);
    // c2 is not among the stored charges: its refund is refused, as live refuses a refund of an unknown charge.
    const changes = planBatch(third, known, timeZone);
    expect(changes.rejected.map((rejected) => rejected.reason)).toEqual([
      'refund of unknown charge c2 (at position 7)',
    ]);
  });
});
