import { type AccountEvent, type Money, money, zeroMoney } from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';
import type { DailyTotalDimension } from '../tables.ts';
import type { TransactionRow } from './rows.ts';

// What one money event means for the money read models: the card's transaction line, its double-entry
// postings (summing to zero, I1), its daily total and its merchant sales.

export type MoneyMove = {
  transaction: Omit<TransactionRow, 'balanceAfter'>;
  postings: Array<{ ledgerAccount: string; amount: Money }>;
  daily?: { dimension: DailyTotalDimension; key: string; amount: Money };
  sales?: { merchantId: string; kind: 'charge' | 'refund'; amount: Money };
};

const cardAccount = (accountId: string) => `card:${accountId}`;

/** A transfer of `amount` from one ledger account to another, as two postings that sum to zero. */
const transfer = (from: string, to: string, amount: Money) => [
  { ledgerAccount: from, amount: amount.negated() },
  { ledgerAccount: to, amount },
];

export const moneyMoveOf = (
  projectable: ProjectableEvent & { event: AccountEvent },
  accountId: string,
  chargeMerchantId: string | undefined,
): MoneyMove | undefined => {
  const { event } = projectable;
  const line = {
    accountId,
    position: projectable.position,
    occurredAt: projectable.occurredAt,
    recordedAt: projectable.recordedAt,
    merchantId: null,
    deviceId: null,
    channel: null,
    payee: null,
    billRef: null,
    externalRef: null,
    chargeTxId: null,
    offline: false,
  };
  const card = cardAccount(accountId);
  switch (event.type) {
    case 'ToppedUp': {
      const amount = money(event.data.amount);
      return {
        transaction: {
          ...line,
          txId: event.data.txId,
          type: 'top-up',
          amount,
          channel: event.data.channel,
          externalRef: event.data.externalRef ?? null,
        },
        postings: transfer(`channel:${event.data.channel}`, card, amount),
        daily: { dimension: 'channel', key: event.data.channel, amount },
      };
    }
    case 'Charged': {
      const amount = money(event.data.amount);
      return {
        transaction: {
          ...line,
          txId: event.data.txId,
          type: 'charge',
          amount: amount.negated(),
          merchantId: event.data.merchantId,
          deviceId: event.data.deviceId ?? null,
          offline: event.data.offline,
        },
        postings: transfer(card, `merchant:${event.data.merchantId}`, amount),
        daily: { dimension: 'merchant', key: event.data.merchantId, amount },
        sales: { merchantId: event.data.merchantId, kind: 'charge', amount },
      };
    }
    case 'Refunded': {
      const amount = money(event.data.amount);
      const merchantId = chargeMerchantId as string;
      return {
        transaction: {
          ...line,
          txId: event.data.txId,
          type: 'refund',
          amount,
          merchantId,
          chargeTxId: event.data.chargeTxId,
        },
        postings: transfer(`merchant:${merchantId}`, card, amount),
        // Merchant totals are net: a refund takes back from the merchant of the refunded charge.
        daily: { dimension: 'merchant', key: merchantId, amount: amount.negated() },
        sales: { merchantId, kind: 'refund', amount },
      };
    }
    case 'BillPaid': {
      const amount = money(event.data.amount);
      return {
        transaction: {
          ...line,
          txId: event.data.txId,
          type: 'bill-payment',
          amount: amount.negated(),
          payee: event.data.payee,
          billRef: event.data.billRef,
        },
        postings: transfer(card, `payee:${event.data.payee}`, amount),
        daily: { dimension: 'payee', key: event.data.payee, amount },
      };
    }
    case 'AccountClosed': {
      const payout = money(event.data.payoutAmount);
      const transaction = {
        ...line,
        txId: event.data.txId,
        type: 'close' as const,
        amount: zeroMoney.minus(payout),
        channel: event.data.payoutChannel,
      };
      // Closing an empty account moves no money: a history line, but no postings and no total.
      if (payout.isZero()) return { transaction, postings: [] };
      return {
        transaction,
        postings: transfer(card, `payout:${event.data.payoutChannel}`, payout),
        daily: { dimension: 'payout', key: event.data.payoutChannel, amount: payout },
      };
    }
    default:
      return undefined;
  }
};
