import { cpuMicrosecondsFromStat } from './proc-cpu.ts';

// CPU this benchmark's own process spent during a phase, split into its main thread (the event loop:
// the server, the command handler, the pg client) and all its other threads (a load generator's worker,
// V8's GC helpers, libuv's pool). A process's /proc stat keeps the time of threads that have exited,
// so a worker that ends with the phase is still counted.

export type ProcessCpu = {
  mainThreadMsPerOperation: number;
  otherThreadsMsPerOperation: number;
};

const mainThreadStat = `/proc/self/task/${process.pid}/stat`;
const processStat = '/proc/self/stat';
const perOperation = (micros: number, operations: number) =>
  Math.round(micros / Math.max(1, operations)) / 1_000;

/** Starts measuring; the returned function ends the phase (`undefined` without /proc). */
export const processCpuMeter = async (): Promise<(operations: number) => Promise<ProcessCpu | undefined>> => {
  const mainBefore = await cpuMicrosecondsFromStat(mainThreadStat);
  const allBefore = await cpuMicrosecondsFromStat(processStat);
  return async (operations) => {
    const mainAfter = await cpuMicrosecondsFromStat(mainThreadStat);
    const allAfter = await cpuMicrosecondsFromStat(processStat);
    if ([mainBefore, allBefore, mainAfter, allAfter].some((value) => value === undefined)) return undefined;
    const main = (mainAfter as number) - (mainBefore as number);
    const all = (allAfter as number) - (allBefore as number);
    return {
      mainThreadMsPerOperation: perOperation(main, operations),
      otherThreadsMsPerOperation: perOperation(Math.max(0, all - main), operations),
    };
  };
};
