// Latency percentiles by nearest rank over every sample (runs are bounded, so keeping them all is fine).

export type LatencySummary = {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
};

const roundMs = (value: number) => Math.round(value * 100) / 100;

export const summarizeLatencies = (samplesMs: number[]): LatencySummary => {
  if (samplesMs.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const rank = (quantile: number) => sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)] as number;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: roundMs(rank(0.5)),
    p95: roundMs(rank(0.95)),
    p99: roundMs(rank(0.99)),
    max: roundMs(sorted[sorted.length - 1] as number),
    mean: roundMs(total / sorted.length),
  };
};
