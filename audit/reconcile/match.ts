import { formatMoney, money, positionToString, sumMoney } from '../../ledger-core/index.ts';
import type { LedgerMove } from './ledger-moves.ts';
import type { MoveKind, StatementLine } from './statement.ts';

// Classifies a statement against the ledger by (kind, reference). The first statement line of a
// reference is matched; later lines with the same reference are `duplicate_in_statement`. A ledger
// move left over (including a second ledger move with a reference already matched) is
// `missing_in_statement` when the statement must list it.

export const reconciliationClasses = [
  'matched',
  'missing_in_ledger',
  'missing_in_statement',
  'amount_mismatch',
  'duplicate_in_statement',
] as const;
export type ReconciliationClass = (typeof reconciliationClasses)[number];

export type ReconciliationItem = {
  class: ReconciliationClass;
  kind: MoveKind;
  reference: string;
  statementLine?: number;
  statementAmount?: string;
  channelTxId?: string;
  ledgerAmount?: string;
  ledgerTxId?: string;
  accountId?: string;
  ledgerPosition?: string;
};

export type ClassTotal = { count: number; statementAmount: string; ledgerAmount: string };
export type ReconciliationTotals = Record<ReconciliationClass, ClassTotal>;

const keyOf = (kind: MoveKind, reference: string) => `${kind}\u0000${reference}`;

const ledgerFields = (move: LedgerMove) => ({
  ledgerAmount: move.amount,
  ledgerTxId: move.txId,
  accountId: move.accountId,
  ledgerPosition: positionToString(move.position),
});

const statementFields = (line: StatementLine) => ({
  statementLine: line.line,
  statementAmount: line.amount,
  channelTxId: line.channelTxId,
  ...(line.accountId ? { accountId: line.accountId } : {}),
});

export const matchStatement = (
  lines: StatementLine[],
  moves: LedgerMove[],
): { items: ReconciliationItem[]; totals: ReconciliationTotals } => {
  const ledgerByKey = new Map<string, LedgerMove>();
  const unmatched = new Set<LedgerMove>();
  for (const move of moves) {
    const key = keyOf(move.kind, move.reference);
    if (!ledgerByKey.has(key)) ledgerByKey.set(key, move);
    unmatched.add(move);
  }

  const items: ReconciliationItem[] = [];
  const seen = new Set<string>();
  for (const line of [...lines].sort((left, right) => left.line - right.line)) {
    const key = keyOf(line.kind, line.reference);
    const base = { kind: line.kind, reference: line.reference, ...statementFields(line) };
    if (seen.has(key)) {
      items.push({ class: 'duplicate_in_statement', ...base });
      continue;
    }
    seen.add(key);
    const move = ledgerByKey.get(key);
    if (!move) {
      items.push({ class: 'missing_in_ledger', ...base });
      continue;
    }
    unmatched.delete(move);
    const sameAmount = money(move.amount).equals(money(line.amount));
    items.push({ class: sameAmount ? 'matched' : 'amount_mismatch', ...base, ...ledgerFields(move) });
  }
  for (const move of [...unmatched].sort((left, right) => (left.position < right.position ? -1 : 1))) {
    if (!move.expectedOnStatement) continue;
    items.push({
      class: 'missing_in_statement',
      kind: move.kind,
      reference: move.reference,
      ...ledgerFields(move),
    });
  }
  return { items, totals: totalsOf(items) };
};

export const totalsOf = (items: ReconciliationItem[]): ReconciliationTotals => {
  const totals = {} as ReconciliationTotals;
  for (const name of reconciliationClasses) {
    const ofClass = items.filter((item) => item.class === name);
    const sum = (amounts: Array<string | undefined>) =>
      formatMoney(sumMoney(amounts.flatMap((amount) => (amount === undefined ? [] : [money(amount)]))));
    totals[name] = {
      count: ofClass.length,
      statementAmount: sum(ofClass.map((item) => item.statementAmount)),
      ledgerAmount: sum(ofClass.map((item) => item.ledgerAmount)),
    };
  }
  return totals;
};
