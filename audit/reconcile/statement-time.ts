import { businessDayBounds, isoInstantSchema } from '../../ledger-core/index.ts';
import { validBusinessDate } from '../business-day-window.ts';
import { statementError } from './statement.ts';

/**
 * WeChat Pay and Alipay print local times without an offset, always in China Standard Time. China has
 * no daylight saving, so a local time is the day's start plus the time of day.
 */
export const chinaStatementTimeZone = 'Asia/Shanghai';

const localTimePattern = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

export const parseChinaLocalTime = (text: string, line: number, column: string): string => {
  const match = localTimePattern.exec(text.trim());
  const [, day, hours, minutes, seconds] = match ?? [];
  if (!day || !validBusinessDate(day) || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) {
    throw statementError(line, `${column} is not a time "YYYY-MM-DD HH:MM:SS": "${text.trim()}"`);
  }
  const start = businessDayBounds(day, chinaStatementTimeZone).start.getTime();
  const offsetMs = ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  return new Date(start + offsetMs).toISOString();
};

/** An ISO 8601 instant with an explicit offset, as the generic and bank formats require. */
export const parseIsoInstant = (text: string, line: number, column: string): string => {
  const trimmed = text.trim();
  if (!isoInstantSchema.safeParse(trimmed).success) {
    throw statementError(line, `${column} is not an ISO 8601 time with an offset: "${trimmed}"`);
  }
  return new Date(trimmed).toISOString();
};
