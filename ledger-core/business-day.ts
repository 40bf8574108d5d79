// The business day of an instant is its calendar date in the ledger's time zone (LEDGER_TZ), the
// boundary for daily limits and daily reports.

export const defaultLedgerTimeZone = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA formats dates as YYYY-MM-DD.
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

// Formatting a date in a time zone costs microseconds, and every charge needs its business day in
// decide and in evolve. Every UTC offset in use since 1972 is a whole number of quarter hours, so all
// instants of one UTC quarter hour share a business day: the answer is remembered per quarter hour.
const quarterHourMs = 900_000;
/** Quarter hours remembered per time zone (about 100 days); the memory starts over beyond it. */
const maxRememberedQuarterHours = 10_000;
const daysByQuarterHour = new Map<string, Map<number, string>>();

/** YYYY-MM-DD of the instant in the time zone. */
export const businessDayOf = (instant: string | Date, timeZone: string): string => {
  let days = daysByQuarterHour.get(timeZone);
  if (!days) {
    days = new Map();
    daysByQuarterHour.set(timeZone, days);
  }
  const milliseconds = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const quarterHour = Math.floor(milliseconds / quarterHourMs);
  let day = days.get(quarterHour);
  if (day === undefined) {
    if (Number.isNaN(quarterHour)) throw new RangeError(`not an instant: ${String(instant)}`);
    if (days.size >= maxRememberedQuarterHours) days.clear();
    day = formatterFor(timeZone).format(new Date(quarterHour * quarterHourMs));
    days.set(quarterHour, day);
  }
  return day;
};

/** The UTC offset of the time zone at the instant, in minutes east of UTC. */
const offsetMinutesAt = (instant: Date, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
  return Math.round((asUtc - instant.getTime()) / 60_000);
};

/** The half-open UTC interval [start, end) covered by a business day (YYYY-MM-DD) in the time zone. */
export const businessDayBounds = (day: string, timeZone: string): { start: Date; end: Date } => {
  const startOf = (isoDay: string): Date => {
    const naiveUtc = new Date(`${isoDay}T00:00:00Z`);
    const guess = new Date(naiveUtc.getTime() - offsetMinutesAt(naiveUtc, timeZone) * 60_000);
    // A second pass settles days whose offset changes at midnight (daylight saving elsewhere).
    return new Date(naiveUtc.getTime() - offsetMinutesAt(guess, timeZone) * 60_000);
  };
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return { start: startOf(day), end: startOf(next.toISOString().slice(0, 10)) };
};

export const businessDaySchemaPattern = /^\d{4}-\d{2}-\d{2}$/;
