import { businessDayOf } from '../../ledger-core/index.ts';

// businessDayOf formats a date in a time zone, which costs microseconds; a batch asks it for every
// money event. Every UTC offset in use since 1972 is a whole number of quarter hours, so all instants
// of one UTC quarter hour share a business day, and the answer is remembered per quarter hour.

const quarterHourMs = 900_000;
/** Quarter hours remembered per time zone (about 100 days); the memory starts over beyond it. */
const maxRememberedQuarterHours = 10_000;

const caches = new Map<string, Map<number, string>>();

export const cachedBusinessDayOf = (instant: string, timeZone: string): string => {
  let cache = caches.get(timeZone);
  if (!cache) {
    cache = new Map();
    caches.set(timeZone, cache);
  }
  const milliseconds = Date.parse(instant);
  const quarterHour = Math.floor(milliseconds / quarterHourMs);
  let day = cache.get(quarterHour);
  if (day === undefined) {
    if (cache.size >= maxRememberedQuarterHours) cache.clear();
    day = businessDayOf(new Date(quarterHour * quarterHourMs), timeZone);
    cache.set(quarterHour, day);
  }
  return day;
};
