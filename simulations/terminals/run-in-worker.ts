import { Worker } from 'node:worker_threads';
import type { RunTerminalsOptions, TerminalRunReport } from './run-terminals.ts';

/**
 * runTerminals on a worker thread, so that measuring a gateway in this process does not share one event
 * loop with thousands of simulated terminals.
 */
export const runTerminalsInWorker = (options: RunTerminalsOptions): Promise<TerminalRunReport> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./terminals-worker.mjs', import.meta.url), { workerData: options });
    let report: TerminalRunReport | undefined;
    worker.once('message', (message: TerminalRunReport) => {
      report = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (report) resolve(report);
      else reject(new Error(`terminal worker exited with code ${code} before reporting`));
    });
  });
