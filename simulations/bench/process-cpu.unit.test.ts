import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { processCpuMeter } from './process-cpu.ts';

const spin = (ms: number) => {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins += 1;
  return spins;
};
const spinSource = (ms: number) => `(${spin.toString()})(${ms});`;

const spinInWorker = (ms: number) =>
  new Promise<void>((resolve, reject) => {
    const worker = new Worker(spinSource(ms), { eval: true });
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });

// vitest's default pool runs each file in a child process of its own, so this code is on its main thread.
describe.skipIf(!existsSync('/proc/self/task'))('this process CPU per operation', () => {
  it('puts a spin of the main thread on the main thread, and one of a worker on the other threads', async () => {
    const endMain = await processCpuMeter();
    spin(300);
    const main = await endMain(10);
    // 300 ms over 10 operations: ~30 ms each (ticks are 10 ms).
    expect(main?.mainThreadMsPerOperation).toBeGreaterThanOrEqual(20);
    expect(main?.otherThreadsMsPerOperation).toBeLessThan(10);

    const endWorker = await processCpuMeter();
    // The worker has exited when it is measured: its time must still count.
    await spinInWorker(300);
    const worker = await endWorker(10);
    expect(worker?.otherThreadsMsPerOperation).toBeGreaterThanOrEqual(20);
    expect(worker?.mainThreadMsPerOperation).toBeLessThan(10);
  });
});
