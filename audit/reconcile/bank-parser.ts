import { hasHeader, readHeaderedCsv } from './plain-csv.ts';
import {
  fieldOf,
  parseStatementAmount,
  requireText,
  type StatementLine,
  type StatementParser,
  statementError,
} from './statement.ts';
import { parseIsoInstant } from './statement-time.ts';

// The campus bank's daily statement of the collection account, a CSV we define (UTF-8):
//   bank_tx_id,booked_at,direction,amount,currency,reference,counterparty
// direction `credit` is a top-up paid in, `debit` a refund paid out; currency must be CNY;
// reference is the payment reference the campus gave: a top-up's externalRef, or a refund's txId.

const bankColumns = [
  'bank_tx_id',
  'booked_at',
  'direction',
  'amount',
  'currency',
  'reference',
  'counterparty',
] as const;

export const bankStatementParser: StatementParser = {
  channel: 'bank',
  recognises: (bytes) => hasHeader(bytes, bankColumns),
  parse: (bytes) => {
    const { column, rows } = readHeaderedCsv(bytes, bankColumns, 'a bank statement CSV');
    const lines: StatementLine[] = rows.map((row) => {
      const direction = fieldOf(row, column.direction);
      if (direction !== 'credit' && direction !== 'debit') {
        throw statementError(row.line, `direction must be credit or debit, not "${direction}"`);
      }
      const currency = fieldOf(row, column.currency);
      if (currency !== 'CNY') throw statementError(row.line, `currency must be CNY, not "${currency}"`);
      return {
        line: row.line,
        kind: direction === 'credit' ? 'top-up' : 'refund',
        reference: requireText(fieldOf(row, column.reference), row.line, 'reference'),
        amount: parseStatementAmount(fieldOf(row, column.amount), row.line, 'amount'),
        occurredAt: parseIsoInstant(fieldOf(row, column.booked_at), row.line, 'booked_at'),
        channelTxId: requireText(fieldOf(row, column.bank_tx_id), row.line, 'bank_tx_id'),
      };
    });
    return { channel: 'bank', lines, ignoredLines: 0 };
  },
};
