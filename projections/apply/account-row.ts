import { type AccountEvent, maskCardNo } from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';
import { type Fen, fenOf } from './fen.ts';
import type { AccountRow } from './rows.ts';

// An account's row after one of its events: the read-model twin of ledger-core's account evolve, and
// kept to the same rules (status, card, limits, balance, the daily spent of the latest business day).

export class ProjectionInvariantError extends Error {
  constructor(
    message: string,
    readonly position: bigint,
  ) {
    super(`${message} (at position ${position})`);
    this.name = 'ProjectionInvariantError';
  }
}

const openedRow = (
  event: Extract<AccountEvent, { type: 'AccountOpened' }>,
  stamp: Pick<AccountRow, 'revision' | 'position' | 'updatedAt'>,
): AccountRow => ({
  accountId: event.data.accountId,
  holderName: event.data.holderName,
  holderType: event.data.holderType,
  status: 'open',
  cardStatus: 'active',
  cardMasked: maskCardNo(event.data.cardNo),
  balance: 0n,
  dailyDay: null,
  dailySpent: 0n,
  perTransactionLimit: fenOf(event.data.limits.perTransaction),
  dailyLimit: fenOf(event.data.limits.daily),
  offlineLimit: fenOf(event.data.offlineLimit),
  ...stamp,
});

/** Only the latest business day counts; a late offline upload for an earlier day changes nothing. */
const dailyAfterCharge = (
  row: AccountRow,
  day: string,
  amount: Fen,
): Pick<AccountRow, 'dailyDay' | 'dailySpent'> => {
  if (row.dailyDay === day) return { dailyDay: day, dailySpent: row.dailySpent + amount };
  if (row.dailyDay === null || day > row.dailyDay) return { dailyDay: day, dailySpent: amount };
  return { dailyDay: row.dailyDay, dailySpent: row.dailySpent };
};

const evolveExisting = (row: AccountRow, event: AccountEvent, businessDate: string): AccountRow => {
  switch (event.type) {
    case 'AccountOpened':
      return row;
    case 'CardReportedLost':
      return { ...row, cardStatus: 'lost' };
    case 'CardReplaced':
      return { ...row, cardStatus: 'active', cardMasked: maskCardNo(event.data.newCardNo) };
    case 'AccountFrozen':
      return row.status === 'closed' ? row : { ...row, status: 'frozen' };
    case 'AccountUnfrozen':
      return row.status === 'closed' ? row : { ...row, status: 'open' };
    case 'LimitsChanged':
      return {
        ...row,
        perTransactionLimit: fenOf(event.data.perTransaction),
        dailyLimit: fenOf(event.data.daily),
        offlineLimit: fenOf(event.data.offlineLimit),
      };
    case 'ToppedUp':
      return { ...row, balance: row.balance + fenOf(event.data.amount) };
    case 'Charged': {
      const amount = fenOf(event.data.amount);
      return { ...row, balance: row.balance - amount, ...dailyAfterCharge(row, businessDate, amount) };
    }
    case 'Refunded':
      return { ...row, balance: row.balance + fenOf(event.data.amount) };
    case 'BillPaid':
      return { ...row, balance: row.balance - fenOf(event.data.amount) };
    case 'AccountClosed':
      return { ...row, status: 'closed', balance: row.balance - fenOf(event.data.payoutAmount) };
  }
};

/**
 * The account's row after the event; `current` is undefined before AccountOpened. `businessDate` is
 * the event's business day (of its occurredAt in the ledger time zone).
 */
export const evolveAccountRow = (
  current: AccountRow | undefined,
  projectable: ProjectableEvent & { event: AccountEvent },
  businessDate: string,
): AccountRow => {
  const { event, position } = projectable;
  const stamp = { revision: projectable.revision, position, updatedAt: projectable.recordedAt };
  if (event.type === 'AccountOpened') {
    if (current) throw new ProjectionInvariantError(`account ${event.data.accountId} opened twice`, position);
    return openedRow(event, stamp);
  }
  if (!current) {
    throw new ProjectionInvariantError(
      `${event.type} on ${projectable.streamId} before AccountOpened`,
      position,
    );
  }
  const evolved = evolveExisting(current, event, businessDate);
  // Any change made a fresh row: stamping that one in place saves a second copy per event.
  const row = evolved === current ? { ...current } : evolved;
  row.revision = stamp.revision;
  row.position = stamp.position;
  row.updatedAt = stamp.updatedAt;
  return row;
};
