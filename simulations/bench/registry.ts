import type { Benchmark } from './benchmark.ts';
import { coreBenchmark } from './core.ts';
import { gatewayBenchmark } from './gateway.ts';
import { httpBenchmark } from './http.ts';
import { projectionsBenchmark } from './projections.ts';
import { replayBenchmark } from './replay.ts';

// Every benchmark `npm run bench` knows, in the order a full run takes them. Add yours with one line.
export const benchmarks: Benchmark[] = [
  coreBenchmark,
  replayBenchmark,
  gatewayBenchmark,
  httpBenchmark,
  projectionsBenchmark,
];
