import type { Command } from 'commander';
import { isLedgerRejection } from '../../ledger-core/index.ts';
import type { CliDeps, LoadCliDeps } from './cli-deps.ts';

// Exit codes of the audit and finance verbs: 0 only when the work found nothing wrong.
export const exitCodes = {
  ok: 0,
  /** The work ran and found something wrong: a chain break, a replay difference, an unmatched line. */
  findings: 1,
  /** Invalid input: bad options, a malformed statement, a statement of another day or channel. */
  invalidInput: 2,
  /** The work could not be done: a database down, an unexpected error. */
  failed: 3,
} as const;

/** Where a verb writes and how it ends; tests pass their own. */
export type CliIo = {
  /** stdout: the result (a table, or JSON with --json). */
  out: (text: string) => void;
  /** stderr: errors and notes. */
  err: (text: string) => void;
  /** The progress bar's stream, used only when it is a TTY. */
  progressStream: NodeJS.WriteStream | undefined;
  setExitCode: (code: number) => void;
  /** Ends the process at once (commander's parse errors); tests throw instead. */
  exit: (code: number) => never;
  now: () => Date;
};

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  progressStream: process.stderr.isTTY ? process.stderr : undefined,
  setExitCode: (code) => {
    process.exitCode = code;
  },
  exit: (code) => process.exit(code),
  now: () => new Date(),
};

export const printJson = (io: CliIo, value: unknown): void =>
  io.out(JSON.stringify(value, (_, member) => (typeof member === 'bigint' ? member.toString() : member), 2));

/** Checks options before any database is opened; on a refusal prints it and sets exit code 2. */
export const inputIsValid = (io: CliIo, check: () => void): boolean => {
  try {
    check();
    return true;
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    io.setExitCode(exitCodes.invalidInput);
    return false;
  }
};

/**
 * Runs a verb's work with the runtime's dependencies and turns its outcome into an exit code:
 * the work's own code, 2 for a refused input (`validation_failed`), 3 for anything unexpected.
 */
export const runVerb = async (
  io: CliIo,
  loadDeps: LoadCliDeps,
  work: (deps: CliDeps) => Promise<number>,
): Promise<void> => {
  let deps: CliDeps | undefined;
  try {
    deps = await loadDeps();
    io.setExitCode(await work(deps));
  } catch (error) {
    if (isLedgerRejection(error) && error.code === 'validation_failed') {
      io.err(`error: ${error.message}`);
      io.setExitCode(exitCodes.invalidInput);
    } else {
      io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
      deps?.logger.error({ err: error }, 'ledger command failed');
      io.setExitCode(exitCodes.failed);
    }
  } finally {
    await deps?.close();
  }
};

/** Commander's own refusals (a missing or unknown option) exit 2 like any invalid input. */
export const configureVerb = (command: Command, io: CliIo): Command =>
  command
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride((error) => io.exit(error.exitCode === 0 ? exitCodes.ok : exitCodes.invalidInput));
