import { Command } from 'commander';
import { registerDevTokenCommand, registerMigrateCommand } from './admin-commands.ts';
import { registerBenchCommand } from './bench-command.ts';
import { registerReconcileCommand } from './commands/reconcile.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerSettleCommand } from './commands/settle.ts';
import { registerVerifyChainCommand } from './commands/verify-chain.ts';
import { loadRuntimeDeps } from './runtime-deps.ts';
import { registerSimulateCommand } from './simulate-command.ts';
import { registerStartCommand } from './start-command.ts';

// The `ledger` command. Each verb lives in its own module and loads what it needs when it runs, so
// `--help` and argument errors start nothing.

const program = new Command('ledger')
  .description('campus-ledger: event-sourced payment ledger of the campus')
  .showHelpAfterError()
  // Help exits 0; any usage error (unknown verb or option, bad argument) exits 2, never 1, which the
  // verbs keep for "the work found something wrong".
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

registerStartCommand(program);
registerMigrateCommand(program);
registerDevTokenCommand(program);
registerReplayCommand(program, loadRuntimeDeps);
registerVerifyChainCommand(program, loadRuntimeDeps);
registerReconcileCommand(program, loadRuntimeDeps);
registerSettleCommand(program, loadRuntimeDeps);
registerSimulateCommand(program);
registerBenchCommand(program);

await program.parseAsync(process.argv);
