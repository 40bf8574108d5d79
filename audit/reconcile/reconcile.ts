import {
  businessDayOf,
  type EventStore,
  LedgerRejection,
  positionToString,
} from '../../ledger-core/index.ts';
import { businessDayWindow, requireBusinessDate } from '../business-day-window.ts';
import type { ScanProgress } from '../scan.ts';
import { ledgerMovesOfDay } from './ledger-moves.ts';
import {
  matchStatement,
  type ReconciliationItem,
  type ReconciliationTotals,
  reconciliationClasses,
} from './match.ts';
import { parseStatement } from './parsers.ts';
import { type Statement, type StatementChannel, statementError } from './statement.ts';

export type ReconciliationReport = {
  channel: StatementChannel;
  businessDate: string;
  timeZone: string;
  statementLines: number;
  ignoredStatementLines: number;
  ledgerMoves: number;
  /** The log range read: events recorded during the business day. */
  ledgerPositions: { after: string; through: string };
  totals: ReconciliationTotals;
  items: ReconciliationItem[];
  /** True when every line and move matched. */
  ok: boolean;
};

/** Every line must be of the business day asked for; a statement of another day is refused whole. */
const requireStatementDate = (statement: Statement, businessDate: string, timeZone: string) => {
  if (statement.declaredDay !== undefined && statement.declaredDay !== businessDate) {
    throw new LedgerRejection(
      'validation_failed',
      `the statement is for ${statement.declaredDay}, not ${businessDate}`,
    );
  }
  const days = statement.lines.map((line) => businessDayOf(line.occurredAt, timeZone));
  const [firstDay] = days;
  if (firstDay !== undefined && firstDay !== businessDate && days.every((day) => day === firstDay)) {
    throw new LedgerRejection('validation_failed', `the statement is for ${firstDay}, not ${businessDate}`);
  }
  const stray = statement.lines.find((_, index) => days[index] !== businessDate);
  if (stray) {
    throw statementError(
      stray.line,
      `${stray.occurredAt} is on ${businessDayOf(stray.occurredAt, timeZone)} in ${timeZone}, not ${businessDate}`,
    );
  }
};

export const reconcileStatement = async (options: {
  store: Pick<EventStore, 'readAll' | 'headPosition'>;
  channel: StatementChannel;
  businessDate: string;
  timeZone: string;
  statement: Uint8Array;
  onProgress?: ScanProgress;
}): Promise<ReconciliationReport> => {
  const { channel, businessDate, timeZone } = options;
  requireBusinessDate(businessDate);
  const statement = parseStatement(channel, options.statement);
  requireStatementDate(statement, businessDate, timeZone);
  const window = await businessDayWindow(options.store, businessDate, timeZone);
  const moves = await ledgerMovesOfDay({
    store: options.store,
    window,
    channel,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const { items, totals } = matchStatement(statement.lines, moves);
  return {
    channel,
    businessDate,
    timeZone,
    statementLines: statement.lines.length,
    ignoredStatementLines: statement.ignoredLines,
    ledgerMoves: moves.length,
    ledgerPositions: { after: positionToString(window.after), through: positionToString(window.through) },
    totals,
    items,
    ok: reconciliationClasses.every((name) => name === 'matched' || totals[name].count === 0),
  };
};
