import { describe, expect, it } from 'vitest';
import { businessDayOf } from './business-day.ts';

const formattedDay = (instant: string, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(instant),
  );

describe('businessDayOf', () => {
  it('agrees with the formatted date on every seventh minute around midnights and DST changes', () => {
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
          expect(businessDayOf(instant, timeZone), `${instant} in ${timeZone}`).toBe(
            formattedDay(instant, timeZone),
          );
          expect(businessDayOf(new Date(instant), timeZone)).toBe(formattedDay(instant, timeZone));
        }
      }
    }
  });

  it('refuses a text that is not an instant', () => {
    expect(() => businessDayOf('yesterday', 'UTC')).toThrow(RangeError);
  });
});
