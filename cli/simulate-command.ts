import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';

const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new InvalidArgumentError('must be a positive whole number');
  return parsed;
};
const positiveNumber = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive number');
  return parsed;
};

type SimulateOptions = {
  students: number;
  terminals: number;
  minutes: number;
  rate?: number;
  seed: number;
  json?: boolean;
  keep?: boolean;
};

export const registerSimulateCommand = (program: Command): void => {
  program
    .command('simulate')
    .description('run a seeded campus scenario through the real MQTT path and check the invariants')
    .argument('<scenario>', 'lunch-rush | faults')
    .option('--students <n>', 'students with cards', positiveInteger, 500)
    .option('--terminals <n>', 'POS terminals over all canteens and shops', positiveInteger, 20)
    .option('--minutes <n>', 'wall-clock minutes the 11:30–13:00 rush is compressed into', positiveNumber, 1)
    .option('--rate <n>', 'ceiling on requests per second over all terminals', positiveNumber)
    .option('--seed <n>', 'seed of everything random', positiveInteger, 1)
    .option('--keep', "keep the run's schema or data directory for inspection")
    .option('--json', 'print the report as JSON')
    .action(async (scenario: string, options: SimulateOptions) => {
      if (scenario !== 'lunch-rush' && scenario !== 'faults') {
        program.error(`unknown scenario ${scenario}: lunch-rush or faults`, { exitCode: 2 });
      }
      const config = loadConfig();
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
      const { runLunchRush } = await import('../simulations/lunch-rush/run-lunch-rush.ts');
      const { injectFaults } = await import('../simulations/faults/fault-schedule.ts');
      const { createProgress } = await import('./simulate-progress.ts');
      const progress = createProgress(options.students);
      const report = await runLunchRush({
        base: config,
        logger,
        students: options.students,
        terminals: options.terminals,
        minutes: options.minutes,
        seed: options.seed,
        ...(options.rate !== undefined ? { rate: options.rate } : {}),
        ...(options.keep ? { keep: true } : {}),
        ...(scenario === 'faults'
          ? { faults: injectFaults, privateMqtt: true, privateKafka: config.kafkaBrokers !== undefined }
          : {}),
        onProgress: progress.update,
      });
      progress.stop();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const { formatSimulationReport } = await import('./simulate-report.ts');
        process.stdout.write(formatSimulationReport(report));
      }
      process.exitCode = report.ok ? 0 : 1;
      // Clients of the run (MQTT reconnect timers, Kafka) may keep the loop alive; the report is out.
      setTimeout(() => process.exit(process.exitCode), 500).unref();
    });
};
