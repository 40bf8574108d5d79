import { describe, expect, it } from 'vitest';
import { summarizeLatencies } from './latency.ts';
import { createRandom } from './random.ts';

describe('latency summary', () => {
  it('takes percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(summarizeLatencies(samples)).toEqual({
      count: 100,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      mean: 50.5,
    });
    expect(summarizeLatencies([]).count).toBe(0);
  });
});

describe('seeded random', () => {
  it('repeats itself for a seed and gives Poisson gaps of the right mean', () => {
    const first = createRandom(7);
    const second = createRandom(7);
    expect(Array.from({ length: 5 }, () => first.integer(1, 1000))).toEqual(
      Array.from({ length: 5 }, () => second.integer(1, 1000)),
    );
    const random = createRandom(11);
    const gaps = Array.from({ length: 20_000 }, () => random.exponentialMs(500));
    const meanGapMs = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(meanGapMs).toBeGreaterThan(1.9);
    expect(meanGapMs).toBeLessThan(2.1);
  });
});
