import { entityIdSchema } from '../../ledger-core/index.ts';
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

// The generic statement CSV of DESIGN.md, UTF-8:
//   channel_tx_id,account_id,amount,occurred_at,type      (type = top-up | refund)
// channel_tx_id is the key: a top-up's externalRef in the ledger, or a refund's txId.

const genericColumns = ['channel_tx_id', 'account_id', 'amount', 'occurred_at', 'type'] as const;

export const genericStatementParser: StatementParser = {
  channel: 'generic',
  recognises: (bytes) => hasHeader(bytes, genericColumns),
  parse: (bytes) => {
    const { column, rows } = readHeaderedCsv(bytes, genericColumns, 'a generic statement CSV');
    const lines: StatementLine[] = rows.map((row) => {
      const type = fieldOf(row, column.type);
      if (type !== 'top-up' && type !== 'refund') {
        throw statementError(row.line, `type must be top-up or refund, not "${type}"`);
      }
      const accountId = fieldOf(row, column.account_id);
      if (!entityIdSchema.safeParse(accountId).success) {
        throw statementError(row.line, `account_id is not an account id: "${accountId}"`);
      }
      const reference = requireText(fieldOf(row, column.channel_tx_id), row.line, 'channel_tx_id');
      return {
        line: row.line,
        kind: type,
        reference,
        amount: parseStatementAmount(fieldOf(row, column.amount), row.line, 'amount'),
        occurredAt: parseIsoInstant(fieldOf(row, column.occurred_at), row.line, 'occurred_at'),
        channelTxId: reference,
        accountId,
      };
    });
    return { channel: 'generic', lines, ignoredLines: 0 };
  },
};
