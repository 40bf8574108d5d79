import { type Money, zeroMoney } from '../money.ts';

export type AccountStatus = 'absent' | 'open' | 'closed';

/** What a refund needs to know of a charge (I4). */
export type ChargeRecord = { amount: Money; refunded: Money };

/**
 * What the ledger remembers of a money move, so a duplicate gets the original outcome (I5); for a
 * charge, also what was refunded of it.
 */
export type RecordedMove = {
  txId: string;
  fingerprint: string;
  balanceAfter: Money;
  revision: number;
  charge?: ChargeRecord;
};

/**
 * Money moves an account's state keeps by default: enough for a terminal's resend or a client's retry.
 * Older moves stay in the event store, which refuses a second use of their txId; the command handler
 * reads them back (recall-move.ts) when a decision needs one.
 */
export const defaultRecentMovesKept = 16;

export type AccountState = {
  status: AccountStatus;
  accountId: string;
  holderName: string;
  holderType: 'student' | 'staff' | 'visitor';
  cardNo: string;
  cardLost: boolean;
  frozen: boolean;
  limits: { perTransaction: Money; daily: Money };
  offlineLimit: Money;
  /** Negative when offline charges ran it below zero: that is debt, repaid first by the next top-up. */
  balance: Money;
  /** Charges of the latest business day seen, for the daily limit (I3). */
  daily: { day: string; spent: Money };
  /** The latest money moves, oldest first; never more than the decider keeps. */
  recentMoves: readonly RecordedMove[];
  /** Money moves ever made; above `recentMoves.length` when older ones were let go. */
  moveCount: number;
  /** Older moves read back from the event store for one decision; `evolve` drops them. */
  recalled?: readonly RecordedMove[];
  /** Revision of the last event folded in; -1 before the first. */
  revision: number;
};

export const initialAccountState = (): AccountState => ({
  status: 'absent',
  accountId: '',
  holderName: '',
  holderType: 'student',
  cardNo: '',
  cardLost: false,
  frozen: false,
  limits: { perTransaction: zeroMoney, daily: zeroMoney },
  offlineLimit: zeroMoney,
  balance: zeroMoney,
  daily: { day: '', spent: zeroMoney },
  recentMoves: [],
  moveCount: 0,
  revision: -1,
});

/** Debt is the negative part of the balance. */
export const debtOf = (state: Pick<AccountState, 'balance'>): Money =>
  state.balance.isNegative() ? state.balance.negated() : zeroMoney;
