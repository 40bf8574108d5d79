import { amountSchema, LedgerRejection, type Money, money } from '../../ledger-core/index.ts';
import type { CsvRecord } from './csv.ts';

// A channel statement, whatever its format, as the matcher sees it: money moves with the reference
// that ties each to the ledger.

export const statementChannels = ['wechat', 'alipay', 'bank', 'generic'] as const;
export type StatementChannel = (typeof statementChannels)[number];

export type MoveKind = 'top-up' | 'refund';

export type StatementLine = {
  /** 1-based line in the statement file (for a zip, in the CSV inside it). */
  line: number;
  kind: MoveKind;
  /** The key matched against the ledger (see audit/README.md): the merchant order or refund number. */
  reference: string;
  /** Two-place decimal string, > 0. */
  amount: string;
  occurredAt: string;
  /** The channel's own transaction id, reported but not matched. */
  channelTxId: string;
  accountId?: string;
};

export type Statement = {
  channel: StatementChannel;
  lines: StatementLine[];
  /** Detail rows that moved no money (e.g. a refund still processing), left out of matching. */
  ignoredLines: number;
  /** The business day the statement says it covers, for formats that say so. */
  declaredDay?: string;
};

export type StatementParser = {
  channel: StatementChannel;
  /** A cheap check of the file's shape, so a statement of another channel is named as such. */
  recognises: (bytes: Uint8Array) => boolean;
  parse: (bytes: Uint8Array) => Statement;
};

/** A malformed statement: nothing is written, and the message names the line. */
export const statementError = (line: number, message: string): LedgerRejection =>
  new LedgerRejection('validation_failed', `statement line ${line}: ${message}`, { line });

/** Column positions by header name; the names a format needs must all be there. */
export const columnsOf = <Name extends string>(
  header: CsvRecord,
  required: readonly Name[],
  format: string,
  normalise: (name: string) => string = (name) => name.trim(),
): Record<Name, number> => {
  const names = header.fields.map(normalise);
  const columns = {} as Record<Name, number>;
  for (const name of required) {
    const index = names.indexOf(name);
    if (index < 0) throw statementError(header.line, `not ${format}: the header has no column ${name}`);
    columns[name] = index;
  }
  return columns;
};

export const fieldOf = (record: CsvRecord, index: number): string => (record.fields[index] ?? '').trim();

const statementAmountPattern = /^-?(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

/** A money move's amount as a canonical two-place string: > 0, at most 1,000,000.00, two decimals. */
export const parseStatementAmount = (text: string, line: number, column: string): string => {
  const trimmed = text.trim();
  if (!statementAmountPattern.test(trimmed) || trimmed.startsWith('-')) {
    throw statementError(line, `${column} is not a positive amount with at most two decimals: "${trimmed}"`);
  }
  const parsed = amountSchema.safeParse(trimmed);
  if (!parsed.success) {
    throw statementError(
      line,
      `${column} "${trimmed}": ${parsed.error.issues[0]?.message ?? 'invalid amount'}`,
    );
  }
  return parsed.data;
};

/** A signed statement figure (fees, totals, Alipay's negative refund amounts), exact. */
export const parseSignedFigure = (text: string, line: number, column: string): Money => {
  const trimmed = text.trim();
  if (!statementAmountPattern.test(trimmed)) {
    throw statementError(line, `${column} is not an amount with at most two decimals: "${trimmed}"`);
  }
  return money(trimmed);
};

export const requireText = (text: string, line: number, column: string): string => {
  if (text === '') throw statementError(line, `${column} is empty`);
  if (text.length > 128) throw statementError(line, `${column} is longer than 128 characters`);
  return text;
};
