import { businessDayOf } from '../business-day.ts';
import type { Dated } from '../decider.ts';
import type { AccountEvent } from '../events.ts';
import { type Money, money, zeroMoney } from '../money.ts';
import { fingerprintOfEvent } from './move-fingerprint.ts';
import { withRecentMove, withRefundOf } from './recorded-moves.ts';
import type { AccountState } from './state.ts';

export const createAccountEvolve =
  (timeZone: string, recentMovesKept: number) =>
  (current: AccountState, event: Dated<AccountEvent>): AccountState => {
    const state: AccountState = { ...current, revision: current.revision + 1 };
    // Moves recalled for a decision belong to that decision only.
    if (state.recalled) delete state.recalled;
    // `next` is a fresh copy made by the caller for this event only, so it is completed in place: one
    // copy of the state per event instead of two.
    const recordMove = (next: AccountState, txId: string, charged?: Money): AccountState => {
      const move = {
        txId,
        fingerprint: fingerprintOfEvent(event as Parameters<typeof fingerprintOfEvent>[0]),
        balanceAfter: next.balance,
        revision: next.revision,
        ...(charged ? { charge: { amount: charged, refunded: zeroMoney } } : {}),
      };
      next.recentMoves = withRecentMove(next.recentMoves, move, recentMovesKept);
      next.moveCount += 1;
      return next;
    };

    switch (event.type) {
      case 'AccountOpened':
        return {
          ...state,
          status: 'open',
          accountId: event.data.accountId,
          holderName: event.data.holderName,
          holderType: event.data.holderType,
          cardNo: event.data.cardNo,
          limits: {
            perTransaction: money(event.data.limits.perTransaction),
            daily: money(event.data.limits.daily),
          },
          offlineLimit: money(event.data.offlineLimit),
        };
      case 'CardReportedLost':
        return { ...state, cardLost: true };
      case 'CardReplaced':
        return { ...state, cardNo: event.data.newCardNo, cardLost: false };
      case 'AccountFrozen':
        return { ...state, frozen: true };
      case 'AccountUnfrozen':
        return { ...state, frozen: false };
      case 'LimitsChanged':
        return {
          ...state,
          limits: { perTransaction: money(event.data.perTransaction), daily: money(event.data.daily) },
          offlineLimit: money(event.data.offlineLimit),
        };
      case 'ToppedUp':
        return recordMove(
          { ...state, balance: state.balance.plus(money(event.data.amount)) },
          event.data.txId,
        );
      case 'Charged': {
        const amount = money(event.data.amount);
        const day = businessDayOf(event.occurredAt, timeZone);
        // Only the latest business day matters for the daily limit; a late offline upload for an
        // earlier day does not count against today.
        const daily =
          day === state.daily.day
            ? { day, spent: state.daily.spent.plus(amount) }
            : day > state.daily.day
              ? { day, spent: amount }
              : state.daily;
        return recordMove({ ...state, balance: state.balance.minus(amount), daily }, event.data.txId, amount);
      }
      case 'Refunded': {
        const amount = money(event.data.amount);
        return recordMove(
          {
            ...state,
            balance: state.balance.plus(amount),
            recentMoves: withRefundOf(state.recentMoves, event.data.chargeTxId, amount),
          },
          event.data.txId,
        );
      }
      case 'BillPaid':
        return recordMove(
          { ...state, balance: state.balance.minus(money(event.data.amount)) },
          event.data.txId,
        );
      case 'AccountClosed':
        return recordMove(
          { ...state, status: 'closed', balance: state.balance.minus(money(event.data.payoutAmount)) },
          event.data.txId,
        );
    }
  };
