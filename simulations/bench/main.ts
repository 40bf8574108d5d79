import os from 'node:os';
import type { BenchmarkOptions } from './benchmark.ts';
import { benchmarks } from './registry.ts';
import { type BenchmarkRecord, humanTable, machineFacts, writeRecord } from './report.ts';

// `npm run bench` runs every registered benchmark in sequence; `npm run bench -- core` runs one;
// `npm run bench -- core --seconds=5` passes benchmark parameters. Exit code 1 when any benchmark failed.

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';

const parseArguments = (argv: string[]) => {
  const names: string[] = [];
  const parameters: Record<string, string> = {};
  for (const argument of argv) {
    const match = /^--([A-Za-z][\w-]*)=(.*)$/.exec(argument);
    if (match) parameters[match[1] as string] = match[2] as string;
    else if (argument.startsWith('--')) throw new Error(`parameters are --key=value, got ${argument}`);
    else names.push(argument);
  }
  return { names, parameters };
};

const main = async (): Promise<number> => {
  const { names, parameters } = parseArguments(process.argv.slice(2));
  const unknown = names.filter((name) => !benchmarks.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
    );
    return 2;
  }
  const chosen =
    names.length > 0 ? benchmarks.filter((benchmark) => names.includes(benchmark.name)) : benchmarks;
  const options: BenchmarkOptions = {
    databaseUrl: process.env.DATABASE_URL ?? defaultDatabaseUrl,
    kafkaBrokers: process.env.KAFKA_BROKERS?.split(',').filter(Boolean),
    timeZone: process.env.LEDGER_TZ ?? 'Asia/Shanghai',
    parameters,
    log: (line) => console.error(`  ${line}`),
  };
  let failures = 0;
  for (const benchmark of chosen) {
    console.error(`▶ ${benchmark.name}: ${benchmark.description}`);
    const startedAt = new Date();
    const loadBefore = os.loadavg()[0] ?? 0;
    const started = performance.now();
    let outcome: Pick<BenchmarkRecord, 'ok' | 'result' | 'error'>;
    try {
      outcome = { ok: true, result: await benchmark.run(options) };
    } catch (error) {
      failures += 1;
      outcome = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    const record: BenchmarkRecord = {
      benchmark: benchmark.name,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      machine: {
        ...machineFacts(),
        loadAverage1mBefore: loadBefore,
        loadAverage1mAfter: os.loadavg()[0] ?? 0,
      },
      node: process.version,
      ...outcome,
    };
    const file = await writeRecord(record);
    console.error(humanTable(record));
    console.error(`  written to ${file}`);
  }
  return failures > 0 ? 1 : 0;
};

process.exitCode = await main();
