import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import {
  type ReconciliationItem,
  type ReconciliationReport,
  reconcileStatement,
  reconciliationClasses,
  reportFormatOf,
  requireBusinessDate,
  type StatementChannel,
  statementChannels,
  writeReconciliationReport,
} from '../../audit/index.ts';
import { LedgerRejection } from '../../ledger-core/index.ts';
import type { LoadCliDeps } from './cli-deps.ts';
import {
  type CliIo,
  configureVerb,
  exitCodes,
  inputIsValid,
  printJson,
  processIo,
  runVerb,
} from './cli-io.ts';
import { createProgress } from './progress.ts';

type ReconcileOptions = {
  channel: StatementChannel;
  date: string;
  statement: string;
  out?: string;
  json?: boolean;
};

const describeItem = (item: ReconciliationItem): string => {
  const where =
    item.statementLine !== undefined ? `line ${item.statementLine}` : `position ${item.ledgerPosition}`;
  const amounts = [
    item.statementAmount !== undefined ? `statement ${item.statementAmount}` : undefined,
    item.ledgerAmount !== undefined ? `ledger ${item.ledgerAmount}` : undefined,
  ].filter(Boolean);
  const ledger = item.ledgerTxId !== undefined ? ` (txId ${item.ledgerTxId}, account ${item.accountId})` : '';
  return `${item.class.toUpperCase()}  ${item.kind} ${item.reference}  ${where}: ${amounts.join(', ')}${ledger}`;
};

const describeReport = (report: ReconciliationReport): string => {
  const header = `${report.channel} statement of ${report.businessDate} (${report.timeZone}): ${report.statementLines} lines (${report.ignoredStatementLines} ignored), ${report.ledgerMoves} ledger moves`;
  const table = [
    `${'class'.padEnd(24)}${'count'.padStart(7)}${'statement'.padStart(14)}${'ledger'.padStart(14)}`,
    ...reconciliationClasses.map((name) => {
      const total = report.totals[name];
      return `${name.padEnd(24)}${String(total.count).padStart(7)}${total.statementAmount.padStart(14)}${total.ledgerAmount.padStart(14)}`;
    }),
  ];
  const problems = report.items.filter((item) => item.class !== 'matched').map(describeItem);
  const verdict = report.ok
    ? 'every line and ledger move matched'
    : `${problems.length} lines or moves did not match`;
  return [header, ...table, ...problems, verdict].join('\n');
};

const readStatement = async (file: string): Promise<Uint8Array> => {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new LedgerRejection(
      'validation_failed',
      `cannot read the statement ${file}: ${(error as Error).message}`,
    );
  }
};

export const registerReconcileCommand = (
  program: Command,
  loadDeps: LoadCliDeps,
  io: CliIo = processIo,
): Command =>
  configureVerb(
    program
      .command('reconcile')
      .description(
        "match a payment channel's statement against the ledger's top-ups and refunds of a business day (LEDGER_TZ)",
      )
      .addOption(
        new Option('--channel <channel>', 'the statement format')
          .choices(statementChannels)
          .makeOptionMandatory(),
      )
      .requiredOption('--date <YYYY-MM-DD>', 'the business day the statement covers')
      .requiredOption('--statement <file>', 'the statement file (Alipay: the CSV or the zip)')
      .option('--out <file>', 'write the full report here; .csv or .json')
      .option('--json', 'print a machine-readable summary on stdout')
      .addHelpText(
        'after',
        '\nClasses: matched, missing_in_ledger, missing_in_statement, amount_mismatch, duplicate_in_statement.' +
          '\nKeys and scope: audit/README.md. A malformed statement writes nothing.' +
          '\nExit code: 0 all matched, 1 anything else found, 2 invalid input, 3 could not run.',
      ),
    io,
  ).action(async (options: ReconcileOptions) => {
    const valid = inputIsValid(io, () => {
      requireBusinessDate(options.date);
      if (options.out !== undefined) reportFormatOf(options.out);
    });
    if (!valid) return;
    await runVerb(io, loadDeps, async ({ store, timeZone }) => {
      const statement = await readStatement(options.statement);
      const progress = createProgress(io, 'reconcile');
      const report = await reconcileStatement({
        store,
        channel: options.channel,
        businessDate: options.date,
        timeZone,
        statement,
        onProgress: progress.update,
      }).finally(progress.stop);
      if (options.out !== undefined) await writeReconciliationReport(options.out, report);
      if (options.json) {
        const { items, ...summary } = report;
        printJson(io, {
          ...summary,
          report: options.out ?? null,
          unmatched: items.filter((item) => item.class !== 'matched'),
        });
      } else {
        io.out(describeReport(report));
        if (options.out !== undefined) io.out(`report written to ${options.out}`);
      }
      return report.ok ? exitCodes.ok : exitCodes.findings;
    });
  });
