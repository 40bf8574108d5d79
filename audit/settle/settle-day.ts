import {
  type Actor,
  type CommandHandler,
  type EventStore,
  formatMoney,
  isLedgerRejection,
  LedgerRejection,
  money,
  sumMoney,
} from '../../ledger-core/index.ts';
import { type BusinessDayWindow, businessDayWindow } from '../business-day-window.ts';
import type { ScanProgress } from '../scan.ts';
import { type MerchantDayTotals, merchantDayTotals } from './merchant-day-totals.ts';

// Settles a business day: one MerchantSettled per merchant with sales or refunds that day, recorded
// through the command handler. The merchant decider refuses a second settlement of the same day
// (`already_settled`), so running this twice settles nothing the second time.

export type SettlementStatus =
  /** Recorded by this run. */
  | 'settled'
  /** Settled before, for the same amount. */
  | 'already_settled'
  /** Settled before for another amount: the log changed under a settled day, which must not happen. */
  | 'settled_amount_differs';

export type SettlementLine = MerchantDayTotals & {
  settlementId: string;
  status: SettlementStatus;
  /** The amount in the merchant's MerchantSettled event for the day. */
  recordedPayout: string;
};

export type SettlementRun = {
  businessDate: string;
  timeZone: string;
  window: BusinessDayWindow;
  lines: SettlementLine[];
  settled: number;
  alreadySettled: number;
  amountsDiffer: number;
  /** Σ payouts recorded by this run. */
  settledPayout: string;
};

/** One settlement per merchant and day, so the id says which. */
export const settlementIdOf = (merchantId: string, businessDate: string): string =>
  `${merchantId}:${businessDate}`;

/** Settlement commands in flight at once; the handler groups them into appends. */
const settleConcurrency = 64;

const recordedSettlementPayout = async (
  store: Pick<EventStore, 'readStream'>,
  merchantId: string,
  businessDate: string,
): Promise<string | undefined> => {
  const events = await store.readStream(`merchant-${merchantId}`);
  const settled = events.find(
    (event) =>
      event.type === 'MerchantSettled' &&
      (event.data as { businessDate: string }).businessDate === businessDate,
  );
  return settled ? (settled.data as { amount: string }).amount : undefined;
};

export type SettleOptions = {
  store: Pick<EventStore, 'readAll' | 'readStream' | 'headPosition' | 'findTransaction'>;
  handler: Pick<CommandHandler, 'handle'>;
  businessDate: string;
  timeZone: string;
  now: Date;
  actor: Actor;
  onProgress?: ScanProgress;
};

const settleOne = async (options: SettleOptions, totals: MerchantDayTotals): Promise<SettlementLine> => {
  const settlementId = settlementIdOf(totals.merchantId, options.businessDate);
  try {
    await options.handler.handle(
      {
        type: 'SettleMerchant',
        occurredAt: options.now.toISOString(),
        merchantId: totals.merchantId,
        settlementId,
        businessDate: options.businessDate,
        amount: totals.payout,
      },
      { correlationId: `settle:${options.businessDate}`, causationId: settlementId, actor: options.actor },
    );
    return { ...totals, settlementId, status: 'settled', recordedPayout: totals.payout };
  } catch (error) {
    if (!isLedgerRejection(error) || error.code !== 'already_settled') throw error;
    const recorded = await recordedSettlementPayout(options.store, totals.merchantId, options.businessDate);
    const same = recorded !== undefined && money(recorded).equals(money(totals.payout));
    return {
      ...totals,
      settlementId,
      status: same ? 'already_settled' : 'settled_amount_differs',
      recordedPayout: recorded ?? '',
    };
  }
};

export const settleBusinessDay = async (options: SettleOptions): Promise<SettlementRun> => {
  const window = await businessDayWindow(options.store, options.businessDate, options.timeZone);
  // A day still running could gain charges after its settlement; only a finished day is final.
  if (options.now.getTime() < window.end.getTime()) {
    throw new LedgerRejection(
      'validation_failed',
      `business day ${options.businessDate} has not ended yet in ${options.timeZone} (ends ${window.end.toISOString()})`,
    );
  }
  const totals = await merchantDayTotals({
    store: options.store,
    window,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const lines: SettlementLine[] = [];
  for (let index = 0; index < totals.length; index += settleConcurrency) {
    const chunk = totals.slice(index, index + settleConcurrency);
    lines.push(...(await Promise.all(chunk.map((merchant) => settleOne(options, merchant)))));
  }
  const settledLines = lines.filter((line) => line.status === 'settled');
  return {
    businessDate: options.businessDate,
    timeZone: options.timeZone,
    window,
    lines,
    settled: settledLines.length,
    alreadySettled: lines.filter((line) => line.status === 'already_settled').length,
    amountsDiffer: lines.filter((line) => line.status === 'settled_amount_differs').length,
    settledPayout: formatMoney(sumMoney(settledLines.map((line) => money(line.payout)))),
  };
};
