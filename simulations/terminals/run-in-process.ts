import { fork } from 'node:child_process';
import type { RunTerminalsOptions, TerminalRunReport } from './run-terminals.ts';

export type ProcessRunResult = { report: TerminalRunReport; cpuMs: number };

/**
 * runTerminals in a child process of its own, so that a gateway measured in this process shares neither
 * its event loop nor its CPU accounting with thousands of simulated terminals.
 */
export const runTerminalsInProcess = (options: RunTerminalsOptions): Promise<ProcessRunResult> =>
  new Promise((resolve, reject) => {
    const child = fork(new URL('./terminals-process.ts', import.meta.url), [], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ProcessRunResult | undefined;
    let failure: string | undefined;
    child.once('message', (message: ProcessRunResult | { error: string }) => {
      if ('error' in message) failure = message.error;
      else result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(failure ?? `terminal process exited with code ${code} before reporting`));
    });
    child.send(options);
  });
