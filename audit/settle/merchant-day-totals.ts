import {
  type EventStore,
  formatMoney,
  type Money,
  money,
  type RecordedEvent,
  zeroMoney,
} from '../../ledger-core/index.ts';
import type { BusinessDayWindow } from '../business-day-window.ts';
import { type ScanProgress, scanLog } from '../scan.ts';

// What each merchant earned in a business day, from the event log (the source of truth, not the read
// models): its charges recorded that day minus the refunds recorded that day of its charges, whenever
// those charges were made.

export type MerchantDayTotals = {
  merchantId: string;
  charges: { count: number; amount: string };
  refunds: { count: number; amount: string };
  /** Charges minus refunds; negative when refunds of earlier charges outweigh the day's sales. */
  payout: string;
};

type Running = { chargeCount: number; charged: Money; refundCount: number; refunded: Money };

/** Concurrent look-ups of refunded charges made before the day. */
const chargeLookupConcurrency = 16;

const merchantOfEarlierCharge = async (
  store: Pick<EventStore, 'findTransaction' | 'readStream'>,
  chargeTxId: string,
): Promise<string> => {
  const location = await store.findTransaction(chargeTxId);
  const [charge] = location
    ? await store.readStream(location.streamId, { fromRevision: location.revision, maxCount: 1 })
    : [];
  if (charge?.type !== 'Charged') {
    throw new Error(`refunded charge ${chargeTxId} is not a Charged event in the log`);
  }
  return (charge.data as { merchantId: string }).merchantId;
};

export const merchantDayTotals = async (options: {
  store: Pick<EventStore, 'readAll' | 'findTransaction' | 'readStream'>;
  window: BusinessDayWindow;
  onProgress?: ScanProgress;
}): Promise<MerchantDayTotals[]> => {
  const { store, window } = options;
  const merchantOfCharge = new Map<string, string>();
  const refunds: Array<{ chargeTxId: string; amount: Money }> = [];
  const running = new Map<string, Running>();
  const runningOf = (merchantId: string): Running => {
    let entry = running.get(merchantId);
    if (!entry) {
      entry = { chargeCount: 0, charged: zeroMoney, refundCount: 0, refunded: zeroMoney };
      running.set(merchantId, entry);
    }
    return entry;
  };

  await scanLog(
    store,
    window,
    (events: RecordedEvent[]) => {
      for (const event of events) {
        if (event.type === 'Charged') {
          const data = event.data as { txId: string; amount: string; merchantId: string };
          merchantOfCharge.set(data.txId, data.merchantId);
          const entry = runningOf(data.merchantId);
          entry.chargeCount += 1;
          entry.charged = entry.charged.plus(money(data.amount));
        } else if (event.type === 'Refunded') {
          const data = event.data as { chargeTxId: string; amount: string };
          refunds.push({ chargeTxId: data.chargeTxId, amount: money(data.amount) });
        }
      }
    },
    options.onProgress ? { onProgress: options.onProgress } : {},
  );

  const earlier = [...new Set(refunds.map((refund) => refund.chargeTxId))].filter(
    (txId) => !merchantOfCharge.has(txId),
  );
  for (let index = 0; index < earlier.length; index += chargeLookupConcurrency) {
    const chunk = earlier.slice(index, index + chargeLookupConcurrency);
    const merchants = await Promise.all(chunk.map((txId) => merchantOfEarlierCharge(store, txId)));
    chunk.forEach((txId, offset) => {
      merchantOfCharge.set(txId, merchants[offset] as string);
    });
  }
  for (const refund of refunds) {
    const entry = runningOf(merchantOfCharge.get(refund.chargeTxId) as string);
    entry.refundCount += 1;
    entry.refunded = entry.refunded.plus(refund.amount);
  }

  return [...running.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([merchantId, entry]) => ({
      merchantId,
      charges: { count: entry.chargeCount, amount: formatMoney(entry.charged) },
      refunds: { count: entry.refundCount, amount: formatMoney(entry.refunded) },
      payout: formatMoney(entry.charged.minus(entry.refunded)),
    }));
};
