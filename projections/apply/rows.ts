import type { Position } from '../../ledger-core/index.ts';
import type { AccountStatusText, CardStatusText, DailyTotalDimension, TransactionType } from '../tables.ts';
import type { Fen } from './fen.ts';

// The read-model rows as a batch computes them in memory, before they are written in one go. Money is
// integer fen here (see fen.ts).

export type AccountRow = {
  accountId: string;
  holderName: string;
  holderType: string;
  status: AccountStatusText;
  cardStatus: CardStatusText;
  cardMasked: string;
  /** Negative when offline charges ran it below zero; the negative part is shown as debt. */
  balance: Fen;
  /** The latest business day with a charge (YYYY-MM-DD), as the decider keeps it for the daily limit. */
  dailyDay: string | null;
  dailySpent: Fen;
  perTransactionLimit: Fen;
  dailyLimit: Fen;
  offlineLimit: Fen;
  revision: number;
  position: Position;
  updatedAt: string;
};

export type TransactionRow = {
  accountId: string;
  position: Position;
  txId: string;
  type: TransactionType;
  /** Signed: + money into the card account, − money out. */
  amount: Fen;
  balanceAfter: Fen;
  occurredAt: string;
  recordedAt: string;
  merchantId: string | null;
  deviceId: string | null;
  channel: string | null;
  payee: string | null;
  billRef: string | null;
  externalRef: string | null;
  chargeTxId: string | null;
  offline: boolean;
};

/**
 * One double-entry move: `amount` (> 0) leaves `from` and reaches `to`. It is stored as two journal
 * postings, −amount on `from` (posting 0) and +amount on `to` (posting 1), which sum to zero (I1).
 */
export type TransferRow = {
  position: Position;
  txId: string;
  from: string;
  to: string;
  amount: Fen;
  businessDate: string;
  recordedAt: string;
};

/** Added to the stored row (or inserted): counts and amounts of one merchant in one UTC hour. */
export type MerchantSalesDelta = {
  merchantId: string;
  hour: string;
  chargesCount: number;
  chargesAmount: Fen;
  refundsCount: number;
  refundsAmount: Fen;
};

/** Added to the stored row (or inserted): one key of one dimension on one business day. */
export type DailyTotalDelta = {
  businessDate: string;
  dimension: DailyTotalDimension;
  key: string;
  count: number;
  amount: Fen;
};

export type MerchantRow = { merchantId: string; name: string; category: string; position: Position };

export type DeviceRow = {
  deviceId: string;
  merchantId: string;
  kind: string;
  keyId: string;
  status: 'active' | 'decommissioned';
  position: Position;
};

/** What a batch needs to know of the read models before it applies (loaded in its transaction). */
export type KnownState = {
  accounts: Map<string, AccountRow>;
  /** Charge txId → merchant, for refunds of charges applied in earlier batches. */
  chargeMerchants: Map<string, string>;
  merchants: Map<string, MerchantRow>;
  devices: Map<string, DeviceRow>;
};

/** Everything one batch changes, ready to be written with a few multi-row statements. */
export type BatchChanges = {
  /** Final state of every account the batch touched. */
  accounts: Map<string, AccountRow>;
  transactions: TransactionRow[];
  transfers: TransferRow[];
  merchantSales: Map<string, MerchantSalesDelta>;
  dailyTotals: Map<string, DailyTotalDelta>;
  merchants: Map<string, MerchantRow>;
  devices: Map<string, DeviceRow>;
  /** Events refused because they contradict the read models (e.g. a refund of an unknown charge). */
  rejected: RejectedEvent[];
};

export type RejectedEvent = { position: Position; eventId: string; reason: string };
