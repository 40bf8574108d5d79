import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const benchMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../simulations/bench/main.ts');

/** `ledger bench [name ...] [--key=value ...]`: the benchmark harness, the same as `npm run bench`. */
export const registerBenchCommand = (program: Command): void => {
  program
    .command('bench')
    .description(
      'run the benchmarks (all, or the named ones) and write JSON results under simulations/results/',
    )
    .argument(
      '[names-and-parameters...]',
      'benchmark names (core, replay, gateway, http, projections) and --key=value parameters',
    )
    .allowUnknownOption()
    .action(
      (args: string[]) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', benchMain, ...args], {
            stdio: 'inherit',
          });
          child.once('exit', (code) => {
            process.exitCode = code ?? 1;
            resolve();
          });
        }),
    );
};
