import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LedgerRejection } from '../../ledger-core/index.ts';
import { csvLine } from './csv.ts';
import { reconciliationClasses } from './match.ts';
import type { ReconciliationReport } from './reconcile.ts';

// A reconciliation report as a file. CSV: one `item` record per statement line or ledger move, then
// one `total` record per class (count and the sums of both sides). JSON: the whole report.

export type ReportFormat = 'csv' | 'json';

export const reportFormatOf = (file: string): ReportFormat => {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  throw new LedgerRejection('validation_failed', `--out must end in .csv or .json: ${file}`);
};

const csvColumns = [
  'record',
  'class',
  'kind',
  'reference',
  'count',
  'statement_line',
  'statement_amount',
  'ledger_amount',
  'channel_tx_id',
  'ledger_tx_id',
  'account_id',
  'ledger_position',
];

export const reconciliationCsv = (report: ReconciliationReport): string => {
  const items = report.items.map((item) =>
    csvLine([
      'item',
      item.class,
      item.kind,
      item.reference,
      1,
      item.statementLine,
      item.statementAmount,
      item.ledgerAmount,
      item.channelTxId,
      item.ledgerTxId,
      item.accountId,
      item.ledgerPosition,
    ]),
  );
  const totals = reconciliationClasses.map((name) => {
    const total = report.totals[name];
    return csvLine(['total', name, '', '', total.count, '', total.statementAmount, total.ledgerAmount]);
  });
  return `${[csvLine(csvColumns), ...items, ...totals].join('\n')}\n`;
};

export const reconciliationJson = (report: ReconciliationReport): string =>
  `${JSON.stringify(report, null, 2)}\n`;

/** Writes the report whole or not at all: a temporary file renamed into place. */
export const writeReconciliationReport = async (
  file: string,
  report: ReconciliationReport,
): Promise<void> => {
  const text = reportFormatOf(file) === 'csv' ? reconciliationCsv(report) : reconciliationJson(report);
  const temporary = `${file}.${process.pid}.partial`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, file);
};
