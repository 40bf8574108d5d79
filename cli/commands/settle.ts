import type { Command } from 'commander';
import { requireBusinessDate, type SettlementRun, settleBusinessDay } from '../../audit/index.ts';
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

/** Who the MerchantSettled events say settled the day. */
export const settleActor = { type: 'finance', id: 'ledger-cli' } as const;

const describeRun = (run: SettlementRun): string => {
  const columns = (values: string[]) =>
    values
      .map((value, index) => (index === 0 ? value.padEnd(20) : value.padStart(index === 5 ? 24 : 14)))
      .join('');
  const table = [
    columns(['merchant', 'charges', 'refunds', 'payout', 'recorded', 'status']),
    ...run.lines.map((line) =>
      columns([
        line.merchantId,
        `${line.charges.count} / ${line.charges.amount}`,
        `${line.refunds.count} / ${line.refunds.amount}`,
        line.payout,
        line.recordedPayout,
        line.status,
      ]),
    ),
  ];
  const verdict =
    run.lines.length === 0
      ? `nothing to settle: no merchant had charges or refunds recorded on ${run.businessDate}`
      : run.settled === 0 && run.amountsDiffer === 0
        ? `nothing settled: ${run.businessDate} was already settled for all ${run.alreadySettled} merchants`
        : `settled ${run.settled} merchants for ${run.businessDate}, payout ${run.settledPayout}` +
          (run.alreadySettled > 0 ? `; ${run.alreadySettled} were already settled` : '');
  const warning =
    run.amountsDiffer > 0
      ? [`WARNING: ${run.amountsDiffer} recorded settlements differ from the log's charges and refunds`]
      : [];
  const rows = run.lines.length > 0 ? table : [];
  return [`settlement of ${run.businessDate} (${run.timeZone})`, ...rows, ...warning, verdict].join('\n');
};

export const registerSettleCommand = (
  program: Command,
  loadDeps: LoadCliDeps,
  io: CliIo = processIo,
): Command =>
  configureVerb(
    program
      .command('settle')
      .description(
        "pay each merchant the business day's charges minus refunds, recorded as one MerchantSettled per merchant",
      )
      .requiredOption('--date <YYYY-MM-DD>', 'a business day in LEDGER_TZ that has ended')
      .option('--json', 'print a machine-readable summary on stdout')
      .addHelpText(
        'after',
        '\nA day counts the events recorded during it (from the event log), so a late offline upload is paid' +
          '\nwith the day it reached the ledger. A day is settled once: running again settles nothing and exits 0.' +
          '\nExit code: 0 done or already done, 1 a recorded settlement differs from the log, 2 invalid input' +
          ' (a bad date, a day not yet over), 3 could not run.',
      ),
    io,
  ).action(async (options: { date: string; json?: boolean }) => {
    if (!inputIsValid(io, () => requireBusinessDate(options.date))) return;
    await runVerb(io, loadDeps, async ({ store, handler, timeZone }) => {
      const progress = createProgress(io, 'settle');
      const run = await settleBusinessDay({
        store,
        handler,
        businessDate: options.date,
        timeZone,
        now: io.now(),
        actor: settleActor,
        onProgress: progress.update,
      }).finally(progress.stop);
      if (options.json) printJson(io, run);
      else io.out(describeRun(run));
      return run.amountsDiffer > 0 ? exitCodes.findings : exitCodes.ok;
    });
  });
