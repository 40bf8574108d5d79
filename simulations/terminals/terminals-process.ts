import { type RunTerminalsOptions, runTerminals } from './run-terminals.ts';

// The body of runTerminalsInProcess: receives the run's options over IPC, runs, and sends the report
// back together with the CPU time this process used.

process.once('message', (options: RunTerminalsOptions) => {
  const cpuBefore = process.cpuUsage();
  runTerminals(options).then(
    (report) => {
      const cpu = process.cpuUsage(cpuBefore);
      process.send?.({ report, cpuMs: (cpu.user + cpu.system) / 1_000 }, () => process.exit(0));
    },
    (error: unknown) => {
      process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () =>
        process.exit(1),
      );
    },
  );
});
