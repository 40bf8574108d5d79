import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addSeq, appliedOfSummary, mergeIntoSummary, type SeqRange, summarizeApplied } from './seq-ranges.ts';

const rangesOf = (seqs: number[]): SeqRange[] =>
  seqs.reduce<SeqRange[]>((ranges, seq) => addSeq(ranges, seq), []);

describe('seq ranges', () => {
  it('finds the contiguous prefix, the highest seq and the holes', () => {
    expect(summarizeApplied(rangesOf([1, 2, 3, 5, 9, 8]))).toEqual({
      lastSeq: 9,
      highestContiguousSeq: 3,
      gaps: [
        { from: 4, to: 4 },
        { from: 6, to: 7 },
      ],
    });
  });

  it('reports a missing first seq as a gap from 1', () => {
    expect(summarizeApplied(rangesOf([3, 4]))).toEqual({
      lastSeq: 4,
      highestContiguousSeq: 0,
      gaps: [{ from: 1, to: 2 }],
    });
    expect(summarizeApplied([])).toEqual({ lastSeq: 0, highestContiguousSeq: 0, gaps: [] });
  });

  it('closes gaps as late seqs arrive, in any order and with duplicates', () => {
    let summary = summarizeApplied(rangesOf([1, 4, 6]));
    summary = mergeIntoSummary(summary, rangesOf([5, 2, 2]));
    expect(summary).toEqual({ lastSeq: 6, highestContiguousSeq: 2, gaps: [{ from: 3, to: 3 }] });
    summary = mergeIntoSummary(summary, rangesOf([3]));
    expect(summary).toEqual({ lastSeq: 6, highestContiguousSeq: 6, gaps: [] });
  });

  it('round-trips any set of seqs through its summary, whatever the split into batches', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 80 }), fc.nat(80), (seqs, cut) => {
        const whole = summarizeApplied(rangesOf(seqs));
        const split = mergeIntoSummary(
          summarizeApplied(rangesOf(seqs.slice(0, cut))),
          rangesOf(seqs.slice(cut)),
        );
        expect(split).toEqual(whole);
        const distinct = new Set(seqs);
        const expanded = appliedOfSummary(whole).flatMap((range) =>
          Array.from({ length: range.to - range.from + 1 }, (_, index) => range.from + index),
        );
        expect(expanded).toEqual([...distinct].sort((a, b) => a - b));
        let contiguous = 0;
        while (distinct.has(contiguous + 1)) contiguous += 1;
        expect(whole.highestContiguousSeq).toBe(contiguous);
      }),
    );
  });
});
