import { describe, expect, it } from 'vitest';
import type { LedgerMove } from './ledger-moves.ts';
import { matchStatement } from './match.ts';
import type { StatementLine } from './statement.ts';

const line = (
  lineNumber: number,
  reference: string,
  amount: string,
  kind: 'top-up' | 'refund' = 'top-up',
): StatementLine => ({
  line: lineNumber,
  kind,
  reference,
  amount,
  occurredAt: '2024-05-01T01:00:00.000Z',
  channelTxId: `ch-${lineNumber}`,
});
const move = (
  position: bigint,
  reference: string,
  amount: string,
  kind: 'top-up' | 'refund' = 'top-up',
  expectedOnStatement = true,
): LedgerMove => ({
  kind,
  reference,
  amount,
  txId: `tx-${position}`,
  accountId: 'a1',
  position,
  expectedOnStatement,
});

describe('matching a statement with the ledger', () => {
  it('keys top-ups and refunds apart, compares amounts exactly, and reports leftover ledger moves', () => {
    const { items, totals } = matchStatement(
      [line(2, 'R1', '10.00'), line(3, 'R1', '10.00', 'refund'), line(4, 'R2', '0.10')],
      [
        move(1n, 'R1', '10.00'),
        move(2n, 'R2', '0.1'),
        move(3n, 'R1', '10.00', 'refund', false),
        move(4n, 'R3', '1.00', 'refund', false),
      ],
    );
    expect(items.map((item) => `${item.class} ${item.kind} ${item.reference}`)).toEqual([
      'matched top-up R1',
      'matched refund R1',
      'matched top-up R2',
    ]);
    expect(totals.matched).toEqual({ count: 3, statementAmount: '20.10', ledgerAmount: '20.10' });
  });

  it('matches the first of repeated references on either side; the rest are duplicates or missing', () => {
    const { items } = matchStatement(
      [line(5, 'R1', '10.00'), line(2, 'R1', '11.00')],
      [move(1n, 'R1', '11.00'), move(2n, 'R1', '11.00')],
    );
    expect(items.map((item) => [item.class, item.statementLine ?? item.ledgerPosition])).toEqual([
      ['matched', 2],
      ['duplicate_in_statement', 5],
      ['missing_in_statement', '2'],
    ]);
  });

  it('is empty and all zero for an empty statement and ledger', () => {
    const { items, totals } = matchStatement([], []);
    expect(items).toEqual([]);
    expect(
      Object.values(totals).every((total) => total.count === 0 && total.statementAmount === '0.00'),
    ).toBe(true);
  });
});
