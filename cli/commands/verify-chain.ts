import type { Command } from 'commander';
import { type ChainVerification, chainsVerify, verifyStoreChains } from '../../audit/index.ts';
import type { LoadCliDeps } from './cli-deps.ts';
import { type CliIo, configureVerb, exitCodes, printJson, processIo, runVerb } from './cli-io.ts';
import { createProgress } from './progress.ts';

const describeResult = (result: ChainVerification): string => {
  const lines = result.breaks.map(
    (found) =>
      `BROKEN  ${found.streamId}  revision ${found.revision}  position ${found.position}  ${found.problem}: ${found.detail}`,
  );
  for (const gap of result.missingPositions) {
    const range = gap.first === gap.last ? `position ${gap.first}` : `positions ${gap.first}–${gap.last}`;
    lines.push(`MISSING ${range}: no event there, though positions are dense (removed from the log)`);
  }
  const scope = `${result.eventsChecked} events in ${result.streamsChecked} streams through position ${result.throughPosition}`;
  lines.push(
    chainsVerify(result)
      ? `verified ${scope}: every hash chain and revision sequence is intact`
      : `checked ${scope}: ${result.breaks.length} broken streams, ${result.missingPositions.length} gaps`,
  );
  return lines.join('\n');
};

export const registerVerifyChainCommand = (
  program: Command,
  loadDeps: LoadCliDeps,
  io: CliIo = processIo,
): Command =>
  configureVerb(
    program
      .command('verify-chain')
      .description(
        'check the hash chain and revision sequence of every stream (I9) and name the first bad event of each bad stream',
      )
      .option('--stream <id>', 'check only this stream, e.g. account-42')
      .option('--json', 'print a machine-readable summary on stdout')
      .addHelpText(
        'after',
        '\nExit code: 0 all chains verify, 1 a break or a missing event, 3 could not run.',
      ),
    io,
  ).action(async (options: { stream?: string; json?: boolean }) =>
    runVerb(io, loadDeps, async ({ store }) => {
      const progress = createProgress(io, 'verify-chain');
      const result = await verifyStoreChains({
        store,
        ...(options.stream !== undefined ? { streamId: options.stream } : {}),
        onProgress: progress.update,
      }).finally(progress.stop);
      const ok = chainsVerify(result);
      if (options.json) printJson(io, { ok, ...result });
      else io.out(describeResult(result));
      return ok ? exitCodes.ok : exitCodes.findings;
    }),
  );
