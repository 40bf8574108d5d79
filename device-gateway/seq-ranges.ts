// Which seqs of a device have been applied, kept as sorted, disjoint, non-adjacent inclusive ranges so
// that hundreds of out-of-order uploads cost a handful of ranges, not one entry each.

export type SeqRange = { from: number; to: number };

/** What device_status stores: everything up to `highestContiguousSeq` is applied; `gaps` are the holes above it. */
export type SeqSummary = { lastSeq: number; highestContiguousSeq: number; gaps: SeqRange[] };

export const emptySeqSummary: SeqSummary = { lastSeq: 0, highestContiguousSeq: 0, gaps: [] };

/** Union of two range lists, normalised (sorted, overlapping and touching ranges joined). */
export const unionRanges = (left: SeqRange[], right: SeqRange[]): SeqRange[] => {
  const all = [...left, ...right].sort((a, b) => a.from - b.from);
  const merged: SeqRange[] = [];
  for (const range of all) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to + 1) last.to = Math.max(last.to, range.to);
    else merged.push({ ...range });
  }
  return merged;
};

export const addSeq = (ranges: SeqRange[], seq: number): SeqRange[] =>
  unionRanges(ranges, [{ from: seq, to: seq }]);

/** Seqs count from 1: the applied ranges give the contiguous prefix, the highest seq and the holes between. */
export const summarizeApplied = (applied: SeqRange[]): SeqSummary => {
  const ranges = unionRanges(applied, []);
  const first = ranges[0];
  if (!first) return { ...emptySeqSummary, gaps: [] };
  const highestContiguousSeq = first.from === 1 ? first.to : 0;
  const lastSeq = (ranges[ranges.length - 1] as SeqRange).to;
  const gaps: SeqRange[] = [];
  let nextExpected = highestContiguousSeq + 1;
  for (const range of ranges) {
    if (range.to <= highestContiguousSeq) continue;
    if (range.from > nextExpected) gaps.push({ from: nextExpected, to: range.from - 1 });
    nextExpected = range.to + 1;
  }
  return { lastSeq, highestContiguousSeq, gaps };
};

/** The applied ranges a summary stands for: 1..highestContiguousSeq, and lastSeq's span minus the gaps. */
export const appliedOfSummary = (summary: SeqSummary): SeqRange[] => {
  if (summary.lastSeq === 0) return [];
  const applied: SeqRange[] =
    summary.highestContiguousSeq > 0 ? [{ from: 1, to: summary.highestContiguousSeq }] : [];
  let cursor = summary.highestContiguousSeq + 1;
  for (const gap of [...summary.gaps].sort((a, b) => a.from - b.from)) {
    if (gap.from > cursor) applied.push({ from: cursor, to: gap.from - 1 });
    cursor = gap.to + 1;
  }
  if (cursor <= summary.lastSeq) applied.push({ from: cursor, to: summary.lastSeq });
  return unionRanges(applied, []);
};

export const mergeIntoSummary = (summary: SeqSummary, applied: SeqRange[]): SeqSummary =>
  summarizeApplied(unionRanges(appliedOfSummary(summary), applied));
