import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// The harness's output: one JSON line per benchmark on stdout (machine-readable), the same object pretty
// in simulations/results/<name>-<timestamp>.json (git-ignored), and a short table on stderr.

export const resultsDirectory = path.resolve(import.meta.dirname, '..', 'results');

export type BenchmarkRecord = {
  benchmark: string;
  startedAt: string;
  durationMs: number;
  machine: {
    cores: number;
    cpuModel: string;
    totalMemoryMb: number;
    loadAverage1mBefore: number;
    loadAverage1mAfter: number;
    platform: string;
  };
  node: string;
  ok: boolean;
  result?: object;
  error?: string;
};

const jsonReplacer = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

export const machineFacts = () => ({
  cores: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
  platform: `${os.platform()} ${os.release()}`,
});

export const writeRecord = async (record: BenchmarkRecord): Promise<string> => {
  await mkdir(resultsDirectory, { recursive: true });
  const stamp = record.startedAt.replace(/[:.]/g, '-');
  const file = path.join(resultsDirectory, `${record.benchmark}-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(record, jsonReplacer, 2)}\n`);
  process.stdout.write(`${JSON.stringify(record, jsonReplacer)}\n`);
  return file;
};

/** Every number (or short string) in the result as "path  value" rows, for a quick read on stderr. */
export const humanTable = (record: BenchmarkRecord): string => {
  const rows: Array<[string, string]> = [];
  const walk = (value: unknown, at: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        walk(item, `${at}[${index}]`);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, member] of Object.entries(value)) walk(member, at ? `${at}.${key}` : key);
    } else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
      rows.push([
        at,
        typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : String(value),
      ]);
    } else if (typeof value === 'string' && value.length <= 40) rows.push([at, value]);
  };
  walk(record.result ?? { error: record.error }, '');
  const width = Math.max(...rows.map(([key]) => key.length), 10);
  const header = `── ${record.benchmark} (${(record.durationMs / 1000).toFixed(1)} s, ${record.machine.cores} cores, load ${record.machine.loadAverage1mBefore.toFixed(1)}) ──`;
  return [header, ...rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`)].join('\n');
};
