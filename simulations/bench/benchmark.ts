// What every benchmark module offers the harness (`npm run bench [-- name …]`, see main.ts).

export type BenchmarkOptions = {
  /** Postgres for benchmarks that need one (DATABASE_URL, default the local test database). */
  databaseUrl: string;
  /** Kafka brokers when configured (KAFKA_BROKERS). */
  kafkaBrokers: string[] | undefined;
  timeZone: string;
  /** `--key=value` arguments after the benchmark names, for benchmark-specific knobs. */
  parameters: Record<string, string>;
  /** Progress lines for humans (stderr); results go in the returned object. */
  log: (line: string) => void;
};

export type Benchmark = {
  name: string;
  description: string;
  /** Returns the figures as a JSON-serialisable object (bigints are written as strings). */
  run: (options: BenchmarkOptions) => Promise<object>;
};

/** A numeric `--key=value` parameter, or the fallback. */
export const numberParameter = (options: BenchmarkOptions, key: string, fallback: number): number => {
  const text = options.parameters[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${key} must be a positive number, got ${text}`);
  return value;
};
