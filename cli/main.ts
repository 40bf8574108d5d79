import { Command } from 'commander';
import { registerDevTokenCommand, registerMigrateCommand } from './admin-commands.ts';
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
registerSimulateCommand(program);

await program.parseAsync(process.argv);
