// Names of the read-model tables and views, for the query API and the auditors. Every table lives in
// the schema the knex connection's search_path points at.

export const readModelTables = {
  accountBalances: 'account_balances',
  accountTransactions: 'account_transactions',
  merchantSales: 'merchant_sales',
  dailyTotals: 'daily_totals',
  journalPostings: 'journal_postings',
  trialBalance: 'trial_balance',
  merchants: 'merchants',
  devices: 'devices',
  projectionCheckpoints: 'projection_checkpoints',
  relayCheckpoints: 'relay_checkpoints',
} as const;

/**
 * All read models are applied together, in one transaction per batch, so they share one checkpoint
 * row: the global position of the last applied event.
 */
export const readModelsProjection = 'read-models';

/** The tables that hold projected state (compared row by row when checking replay equals live). */
export const projectedTables = [
  readModelTables.accountBalances,
  readModelTables.accountTransactions,
  readModelTables.merchantSales,
  readModelTables.dailyTotals,
  readModelTables.journalPostings,
  readModelTables.merchants,
  readModelTables.devices,
] as const;

export const transactionTypes = ['top-up', 'charge', 'refund', 'bill-payment', 'close'] as const;
export type TransactionType = (typeof transactionTypes)[number];

export const dailyTotalDimensions = ['channel', 'merchant', 'payee', 'payout'] as const;
export type DailyTotalDimension = (typeof dailyTotalDimensions)[number];

export const accountStatuses = ['open', 'frozen', 'closed'] as const;
export type AccountStatusText = (typeof accountStatuses)[number];
export const cardStatuses = ['active', 'lost'] as const;
export type CardStatusText = (typeof cardStatuses)[number];
