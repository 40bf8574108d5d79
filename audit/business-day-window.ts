import {
  businessDayBounds,
  businessDaySchemaPattern,
  type EventStore,
  LedgerRejection,
  type Position,
} from '../ledger-core/index.ts';
import { positionRangeRecordedIn } from './positions.ts';

/**
 * The part of the log that belongs to a business day: the events *recorded* during that day in the
 * ledger's time zone. Finance works by recordedAt, not occurredAt, because recordedAt never goes
 * backwards: once a day is over no event can join it, so a settled or reconciled day stays true. An
 * offline charge made on Monday and uploaded on Wednesday is Wednesday's money.
 */
export type BusinessDayWindow = {
  businessDate: string;
  timeZone: string;
  start: Date;
  end: Date;
  after: Position;
  through: Position;
};

export const validBusinessDate = (businessDate: string): boolean => {
  if (!businessDaySchemaPattern.test(businessDate)) return false;
  const parsed = new Date(`${businessDate}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(businessDate);
};

export const requireBusinessDate = (businessDate: string): void => {
  if (!validBusinessDate(businessDate)) {
    throw new LedgerRejection('validation_failed', `not a date (YYYY-MM-DD): ${businessDate}`);
  }
};

export const businessDayWindow = async (
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  businessDate: string,
  timeZone: string,
): Promise<BusinessDayWindow> => {
  requireBusinessDate(businessDate);
  const { start, end } = businessDayBounds(businessDate, timeZone);
  const { after, through } = await positionRangeRecordedIn(store, { start, end });
  return { businessDate, timeZone, start, end, after, through };
};
