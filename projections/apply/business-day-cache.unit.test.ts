import { describe, expect, it } from 'vitest';
import { businessDayOf } from '../../ledger-core/index.ts';
import { cachedBusinessDayOf } from './business-day-cache.ts';

describe('cachedBusinessDayOf', () => {
  it('agrees with businessDayOf on every minute around midnights and DST changes', () => {
    const zones = ['Asia/Shanghai', 'Asia/Kathmandu', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];
    const starts = [
      '2025-03-09T00:00:00Z',
      '2025-04-05T10:00:00Z',
      '2025-11-02T00:00:00Z',
      '2025-06-30T12:00:00Z',
    ];
    for (const timeZone of zones) {
      for (const start of starts) {
        for (let minute = 0; minute < 36 * 60; minute += 7) {
          const instant = new Date(Date.parse(start) + minute * 60_000 + 13_000).toISOString();
          expect(cachedBusinessDayOf(instant, timeZone), `${instant} in ${timeZone}`).toBe(
            businessDayOf(instant, timeZone),
          );
        }
      }
    }
  });
});
