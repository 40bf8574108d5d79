import { type Command, Option } from 'commander';
import {
  type ReplayResult,
  type RowDifference,
  type RowValues,
  replayReadModels,
} from '../../audit/index.ts';
import { isoInstantSchema, LedgerRejection, type Position, parsePosition } from '../../ledger-core/index.ts';
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

type ReplayCliOptions = { to?: string; asOf?: string; verify?: boolean; keep?: boolean; json?: boolean };

const valuesText = (values: RowValues | undefined, columns?: string[]) =>
  Object.entries(values ?? {})
    .filter(([column]) => columns === undefined || columns.includes(column))
    .map(([column, value]) => `${column}=${value ?? 'null'}`)
    .join(' ');

const describeDifference = (difference: RowDifference): string => {
  const key = valuesText(difference.key);
  switch (difference.kind) {
    case 'changed':
      return `DIFF ${difference.table} [${key}] live: ${valuesText(difference.live, difference.columns)} | replay: ${valuesText(difference.replay, difference.columns)}`;
    case 'only_in_live':
      return `DIFF ${difference.table} [${key}] only in live: ${valuesText(difference.live)}`;
    case 'only_in_replay':
      return `DIFF ${difference.table} [${key}] only in replay: ${valuesText(difference.replay)}`;
  }
};

const describeResult = (result: ReplayResult): string => {
  const lines = [
    `replayed ${result.events} events to position ${result.targetPosition}${result.asOf ? ` (as of ${result.asOf})` : ''} in ${result.durationMs} ms: ${result.eventsPerSecond} events/s`,
    result.kept ? `read models kept in schema ${result.schema}` : `scratch schema ${result.schema} dropped`,
  ];
  if (result.invalidEvents > 0) {
    lines.push(
      `WARNING: ${result.invalidEvents} events failed validation and were skipped (as every projector skips them)`,
    );
  }
  const verification = result.verification;
  if (verification) {
    const caughtUp =
      verification.caughtUpEvents > 0
        ? ` (caught up ${verification.caughtUpEvents} events the live projector applied meanwhile)`
        : '';
    lines.push(...verification.differences.map(describeDifference));
    for (const count of verification.counts) {
      lines.push(
        `${count.table}: ${count.onlyInLive} rows only in live, ${count.onlyInReplay} only in replay`,
      );
    }
    if (verification.truncated) lines.push('(more differing rows than shown)');
    lines.push(
      verification.equal
        ? `replay equals live in schema ${verification.liveSchema} at position ${verification.comparedAt}${caughtUp}`
        : `replay DIFFERS from live in schema ${verification.liveSchema} at position ${verification.comparedAt}${caughtUp}`,
    );
  }
  return lines.join('\n');
};

const isClean = (result: ReplayResult): boolean =>
  result.invalidEvents === 0 && (result.verification === undefined || result.verification.equal);

const parseTarget = (options: ReplayCliOptions): { toPosition?: Position; asOf?: Date } => {
  if (options.to !== undefined) {
    try {
      return { toPosition: parsePosition(options.to) };
    } catch {
      throw new LedgerRejection(
        'validation_failed',
        `--to must be a position (a whole number): ${options.to}`,
      );
    }
  }
  if (options.asOf !== undefined) {
    if (!isoInstantSchema.safeParse(options.asOf).success) {
      throw new LedgerRejection(
        'validation_failed',
        `--as-of must be an ISO 8601 time with an offset: ${options.asOf}`,
      );
    }
    return { asOf: new Date(options.asOf) };
  }
  return {};
};

export const registerReplayCommand = (
  program: Command,
  loadDeps: LoadCliDeps,
  io: CliIo = processIo,
): Command =>
  configureVerb(
    program
      .command('replay')
      .description('rebuild every read model from the event log into a fresh schema, up to a point (I7)')
      .addOption(
        new Option('--to <position>', 'replay up to and including this global position').conflicts('asOf'),
      )
      .addOption(
        new Option('--as-of <time>', 'replay up to the last event recorded at or before this ISO time'),
      )
      .option(
        '--verify',
        'compare row by row with the live read models at their position and print each difference',
      )
      .option('--keep', 'keep the scratch schema (its name is printed) instead of dropping it')
      .option('--json', 'print a machine-readable summary on stdout')
      .addHelpText(
        'after',
        "\nWithout a point: the head of the log; with --verify: the live read models' own position (the only" +
          '\nposition at which live state exists), catching up if they move on meanwhile. --verify with --to or' +
          '\n--as-of needs that point to be the live position.\n' +
          'Exit code: 0 replayed (and equal), 1 a difference or an invalid event, 2 invalid input, 3 could not run.',
      ),
    io,
  ).action(async (options: ReplayCliOptions) => {
    let target: { toPosition?: Position; asOf?: Date } = {};
    if (
      !inputIsValid(io, () => {
        target = parseTarget(options);
      })
    )
      return;
    await runVerb(io, loadDeps, async ({ store, db, timeZone, logger }) => {
      const progress = createProgress(io, 'replay');
      const result = await replayReadModels({
        store,
        db,
        timeZone,
        ...target,
        verify: options.verify === true,
        keep: options.keep === true,
        logger,
        onProgress: progress.update,
      }).finally(progress.stop);
      if (options.json) printJson(io, { ok: isClean(result), ...result });
      else io.out(describeResult(result));
      return isClean(result) ? exitCodes.ok : exitCodes.findings;
    });
  });
