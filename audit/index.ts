// audit: what auditors and finance run against the ledger — hash-chain verification (I9), replay of
// the read models to any point (I7), point-in-time balances, channel statement reconciliation and
// merchant settlement. Functions take their dependencies (store, knex, handler) as arguments.
export {
  type BalanceAsOf,
  type BalanceAsOfOptions,
  balanceAsOf,
  type PointInTime,
} from './balance-as-of.ts';
export {
  type BusinessDayWindow,
  businessDayWindow,
  requireBusinessDate,
  validBusinessDate,
} from './business-day-window.ts';
export { lastPositionWhere, positionAsOf, positionRangeRecordedIn } from './positions.ts';
export { type LedgerMove, ledgerMovesOfDay } from './reconcile/ledger-moves.ts';
export {
  type ClassTotal,
  matchStatement,
  type ReconciliationClass,
  type ReconciliationItem,
  type ReconciliationTotals,
  reconciliationClasses,
} from './reconcile/match.ts';
export { parseStatement } from './reconcile/parsers.ts';
export { type ReconciliationReport, reconcileStatement } from './reconcile/reconcile.ts';
export {
  type ReportFormat,
  reconciliationCsv,
  reconciliationJson,
  reportFormatOf,
  writeReconciliationReport,
} from './reconcile/report.ts';
export {
  type MoveKind,
  type Statement,
  type StatementChannel,
  type StatementLine,
  statementChannels,
} from './reconcile/statement.ts';
export {
  type ReplayOptions,
  type ReplayResult,
  type ReplayVerification,
  replayReadModels,
} from './replay/replay.ts';
export {
  defaultMaxDifferenceRowsPerTable,
  type ReadModelDifferences,
  type RowDifference,
  type RowValues,
  readModelDifferences,
} from './replay/row-differences.ts';
export { auditReadBatchSize, type ScanProgress, scanLog } from './scan.ts';
export { type MerchantDayTotals, merchantDayTotals } from './settle/merchant-day-totals.ts';
export {
  type SettlementLine,
  type SettlementRun,
  type SettlementStatus,
  type SettleOptions,
  settleBusinessDay,
  settlementIdOf,
} from './settle/settle-day.ts';
export {
  type ChainProblem,
  type ChainVerification,
  chainsVerify,
  type PositionGap,
  type StreamChainBreak,
  type VerifyChainsOptions,
  verifyStoreChains,
} from './verify-chain.ts';
