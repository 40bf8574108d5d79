import { Set as ImmutableSet } from 'immutable';
import type { MerchantCommand } from '../commands.ts';
import type { Dated, Decider } from '../decider.ts';
import type { MerchantEvent } from '../events.ts';
import { LedgerRejection } from '../rejection.ts';

export type MerchantState = {
  status: 'absent' | 'registered';
  merchantId: string;
  name: string;
  category: 'canteen' | 'shop' | 'utility' | 'other';
  /** Business days already settled: a day is never settled twice. */
  settledDates: ImmutableSet<string>;
  revision: number;
};

export type MerchantDecider = Decider<MerchantState, MerchantCommand, Dated<MerchantEvent>>;

export const merchantDecider: MerchantDecider = {
  initialState: () => ({
    status: 'absent',
    merchantId: '',
    name: '',
    category: 'other',
    settledDates: ImmutableSet(),
    revision: -1,
  }),
  evolve: (current, event) => {
    const state = { ...current, revision: current.revision + 1 };
    switch (event.type) {
      case 'MerchantRegistered':
        return { ...state, status: 'registered', ...event.data };
      case 'MerchantSettled':
        return { ...state, settledDates: state.settledDates.add(event.data.businessDate) };
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterMerchant':
        if (state.status !== 'absent') throw new LedgerRejection('merchant_exists');
        return [
          {
            type: 'MerchantRegistered',
            data: { merchantId: command.merchantId, name: command.name, category: command.category },
            occurredAt: command.occurredAt,
          },
        ];
      case 'SettleMerchant':
        if (state.status === 'absent') throw new LedgerRejection('merchant_not_found');
        if (state.settledDates.has(command.businessDate)) {
          throw new LedgerRejection('already_settled', `${command.businessDate} is already settled`);
        }
        return [
          {
            type: 'MerchantSettled',
            data: {
              settlementId: command.settlementId,
              businessDate: command.businessDate,
              amount: command.amount,
            },
            occurredAt: command.occurredAt,
          },
        ];
    }
  },
};
