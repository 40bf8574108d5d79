import { parentPort, workerData } from 'node:worker_threads';
import { type RunTerminalsOptions, runTerminals } from './run-terminals.ts';

// The body of runTerminalsInWorker: the simulated terminals get a thread (and so a core) of their own.

const report = await runTerminals(workerData as RunTerminalsOptions);
parentPort?.postMessage(report);
