// A closed-loop load generator: `concurrency` callers, each awaiting its own operation before starting
// the next, until the time is up. Throughput is what completed; latency is per operation.

export type LoadFigures = {
  concurrency: number;
  operations: number;
  failures: number;
  failureCodes: Record<string, number>;
  seconds: number;
  operationsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
};

const percentile = (sorted: Float64Array, fraction: number): number =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number);

const round = (value: number) => Math.round(value * 100) / 100;

export const runClosedLoop = async (options: {
  concurrency: number;
  seconds: number;
  /** One operation of one caller; a thrown error counts as a failure under its `code` (or name). */
  operation: (caller: number, sequence: number) => Promise<void>;
}): Promise<LoadFigures> => {
  const latencies: number[] = [];
  const failureCodes: Record<string, number> = {};
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, caller) => {
      for (let sequence = 0; performance.now() < deadline; sequence += 1) {
        const operationStarted = performance.now();
        try {
          await options.operation(caller, sequence);
          latencies.push(performance.now() - operationStarted);
        } catch (error) {
          const code = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
          failureCodes[code] = (failureCodes[code] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    concurrency: options.concurrency,
    operations: latencies.length,
    failures: Object.values(failureCodes).reduce((sum, count) => sum + count, 0),
    failureCodes,
    seconds: round(seconds),
    operationsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p90: round(percentile(sorted, 0.9)),
      p99: round(percentile(sorted, 0.99)),
      max: round(percentile(sorted, 1)),
    },
  };
};

/** A small seeded PRNG (mulberry32), so runs pick the same accounts and amounts. */
export const seededRandom = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
};
