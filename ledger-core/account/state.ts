import { Map as ImmutableMap } from 'immutable';
import { type Money, zeroMoney } from '../money.ts';

export type AccountStatus = 'absent' | 'open' | 'closed';

/** What the ledger remembers of each money move, so a duplicate gets the original outcome (I5). */
export type RecordedMove = { fingerprint: string; balanceAfter: Money; revision: number };

/** What a refund needs to know of a charge (I4). */
export type ChargeRecord = { amount: Money; refunded: Money };

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
  charges: ImmutableMap<string, ChargeRecord>;
  moves: ImmutableMap<string, RecordedMove>;
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
  charges: ImmutableMap(),
  moves: ImmutableMap(),
  revision: -1,
});

/** Debt is the negative part of the balance. */
export const debtOf = (state: Pick<AccountState, 'balance'>): Money =>
  state.balance.isNegative() ? state.balance.negated() : zeroMoney;
