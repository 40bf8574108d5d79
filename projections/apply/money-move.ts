import type { AccountEvent } from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';
import type { DailyTotalDimension, TransactionType } from '../tables.ts';
import { type Fen, fenOf } from './fen.ts';
import type { TransactionRow } from './rows.ts';

// What one money event means for the money read models: the card's transaction line, its double-entry
// transfer (two postings summing to zero, I1), its daily total and its merchant sales.

export type MoneyMove = {
  transaction: TransactionRow;
  /** Absent when no money moves between ledger accounts (closing an empty account). */
  transfer?: { from: string; to: string; amount: Fen };
  daily?: { dimension: DailyTotalDimension; key: string; amount: Fen };
  sales?: { merchantId: string; kind: 'charge' | 'refund'; amount: Fen };
};

type LineDetails = { txId: string; type: TransactionType; amount: Fen } & Partial<
  Pick<
    TransactionRow,
    'merchantId' | 'deviceId' | 'channel' | 'payee' | 'billRef' | 'externalRef' | 'chargeTxId' | 'offline'
  >
>;

/**
 * Every field spelled out: an object spread that adds keys takes V8's slow path, and this runs for
 * every money event of a rebuild.
 */
const transactionLine = (
  projectable: ProjectableEvent,
  accountId: string,
  balanceAfter: Fen,
  details: LineDetails,
): TransactionRow => ({
  accountId,
  position: projectable.position,
  txId: details.txId,
  type: details.type,
  amount: details.amount,
  balanceAfter,
  occurredAt: projectable.occurredAt,
  recordedAt: projectable.recordedAt,
  merchantId: details.merchantId ?? null,
  deviceId: details.deviceId ?? null,
  channel: details.channel ?? null,
  payee: details.payee ?? null,
  billRef: details.billRef ?? null,
  externalRef: details.externalRef ?? null,
  chargeTxId: details.chargeTxId ?? null,
  offline: details.offline ?? false,
});

/** The money move of an account event (undefined for lifecycle events); `balanceAfter` is the card's. */
export const moneyMoveOf = (
  projectable: ProjectableEvent & { event: AccountEvent },
  accountId: string,
  chargeMerchantId: string | undefined,
  balanceAfter: Fen,
): MoneyMove | undefined => {
  const { event } = projectable;
  const line = (details: LineDetails) => transactionLine(projectable, accountId, balanceAfter, details);
  const card = `card:${accountId}`;
  switch (event.type) {
    case 'ToppedUp': {
      const { txId, channel } = event.data;
      const amount = fenOf(event.data.amount);
      return {
        transaction: line({
          txId,
          type: 'top-up',
          amount,
          channel,
          externalRef: event.data.externalRef ?? null,
        }),
        transfer: { from: `channel:${channel}`, to: card, amount },
        daily: { dimension: 'channel', key: channel, amount },
      };
    }
    case 'Charged': {
      const { txId, merchantId, offline } = event.data;
      const amount = fenOf(event.data.amount);
      return {
        transaction: line({
          txId,
          type: 'charge',
          amount: -amount,
          merchantId,
          deviceId: event.data.deviceId ?? null,
          offline,
        }),
        transfer: { from: card, to: `merchant:${merchantId}`, amount },
        daily: { dimension: 'merchant', key: merchantId, amount },
        sales: { merchantId, kind: 'charge', amount },
      };
    }
    case 'Refunded': {
      const { txId, chargeTxId } = event.data;
      const amount = fenOf(event.data.amount);
      const merchantId = chargeMerchantId as string;
      return {
        transaction: line({ txId, type: 'refund', amount, merchantId, chargeTxId }),
        transfer: { from: `merchant:${merchantId}`, to: card, amount },
        // Merchant totals are net: a refund takes back from the merchant of the refunded charge.
        daily: { dimension: 'merchant', key: merchantId, amount: -amount },
        sales: { merchantId, kind: 'refund', amount },
      };
    }
    case 'BillPaid': {
      const { txId, payee, billRef } = event.data;
      const amount = fenOf(event.data.amount);
      return {
        transaction: line({ txId, type: 'bill-payment', amount: -amount, payee, billRef }),
        transfer: { from: card, to: `payee:${payee}`, amount },
        daily: { dimension: 'payee', key: payee, amount },
      };
    }
    case 'AccountClosed': {
      const { txId, payoutChannel } = event.data;
      const payout = fenOf(event.data.payoutAmount);
      const transaction = line({ txId, type: 'close', amount: -payout, channel: payoutChannel });
      // Closing an empty account moves no money: a history line, but no postings and no total.
      if (payout === 0n) return { transaction };
      return {
        transaction,
        transfer: { from: card, to: `payout:${payoutChannel}`, amount: payout },
        daily: { dimension: 'payout', key: payoutChannel, amount: payout },
      };
    }
    default:
      return undefined;
  }
};
