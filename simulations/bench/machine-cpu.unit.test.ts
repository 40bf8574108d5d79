import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coresNeeded, machineCpuMeter } from './machine-cpu.ts';

const spin = (ms: number) => {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins += 1;
  return spins;
};

describe('machine CPU per operation', () => {
  it.skipIf(!existsSync('/proc/stat'))(
    'counts at least the CPU this process spent, per operation',
    async () => {
      const end = await machineCpuMeter();
      spin(300);
      const measured = await end(10);
      expect(measured).toBeDefined();
      const { cpuMsPerOperation, busyCores, machineCores } = measured ?? {
        cpuMsPerOperation: 0,
        busyCores: 0,
        machineCores: 0,
      };
      // 300 ms of one busy core over 10 operations: at least ~30 ms each (ticks are 10 ms).
      expect(cpuMsPerOperation).toBeGreaterThanOrEqual(20);
      expect(busyCores).toBeGreaterThanOrEqual(0.6);
      expect(busyCores).toBeLessThanOrEqual(machineCores + 0.1);
    },
  );

  it('turns a cost per operation and a rate into cores', () => {
    expect(coresNeeded(0.2, 10_000)).toBe(2);
    expect(coresNeeded(0.039, 100_000)).toBe(3.9);
    expect(coresNeeded(0.137, 14_177)).toBe(1.94);
  });
});
