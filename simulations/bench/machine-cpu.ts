import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { clockTicksPerSecond } from './proc-cpu.ts';

// CPU the whole machine spent during a phase, every process together (the ledger, Postgres, the broker,
// the load generators), from the first line of /proc/stat. Divided by the phase's operations it says
// how many cores a target rate would take at the same cost per operation: a target that needs more
// cores than the machine has cannot be met by making one process faster while the others cost as much.

export type MachineCpu = {
  /** CPU milliseconds per operation, summed over every process on the machine. */
  cpuMsPerOperation: number;
  /** Cores busy on average during the phase (out of `machineCores`). */
  busyCores: number;
  machineCores: number;
};

/** Busy ticks of all cores: user, nice, system, irq and softirq (idle, iowait and steal are not ours). */
const busyTicks = async (): Promise<number | undefined> => {
  try {
    const stat = await readFile('/proc/stat', 'utf8');
    const fields = (stat.split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
    return user + nice + system + irq + softirq;
  } catch {
    return undefined;
  }
};

/** Starts measuring; the returned function ends the phase (`undefined` without /proc, e.g. on macOS). */
export const machineCpuMeter = async (): Promise<(operations: number) => Promise<MachineCpu | undefined>> => {
  const ticksBefore = await busyTicks();
  const startedAt = performance.now();
  return async (operations) => {
    const ticksAfter = await busyTicks();
    const elapsedMs = performance.now() - startedAt;
    if (ticksBefore === undefined || ticksAfter === undefined || elapsedMs <= 0) return undefined;
    const cpuMs = ((ticksAfter - ticksBefore) * 1_000) / clockTicksPerSecond;
    return {
      cpuMsPerOperation: Math.round((cpuMs / Math.max(1, operations)) * 1_000) / 1_000,
      busyCores: Math.round((cpuMs / elapsedMs) * 100) / 100,
      machineCores: cpus().length,
    };
  };
};

/** Cores that `operationsPerSecond` would keep busy at `cpuMsPerOperation`. */
export const coresNeeded = (cpuMsPerOperation: number, operationsPerSecond: number): number =>
  Math.round(((cpuMsPerOperation * operationsPerSecond) / 1_000) * 100) / 100;
