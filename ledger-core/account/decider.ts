import type { AccountCommand } from '../commands.ts';
import type { Dated, Decider } from '../decider.ts';
import type { AccountEvent } from '../events.ts';
import { decideLifecycle } from './decide-lifecycle.ts';
import { decideCharge, decideClose, decidePayBill, decideRefund, decideTopUp } from './decide-money.ts';
import { createAccountEvolve } from './evolve.ts';
import { type AccountState, defaultRecentMovesKept, initialAccountState } from './state.ts';

export type AccountDecider = Decider<AccountState, AccountCommand, Dated<AccountEvent>>;

/**
 * The account decider for a ledger whose business days are calendar days in `timeZone`; its states keep
 * the latest `recentMovesKept` money moves.
 */
export const createAccountDecider = (
  timeZone: string,
  recentMovesKept = defaultRecentMovesKept,
): AccountDecider => ({
  initialState: initialAccountState,
  evolve: createAccountEvolve(timeZone, recentMovesKept),
  decide: (command, state) => {
    switch (command.type) {
      case 'TopUp':
        return decideTopUp(command, state);
      case 'Charge':
        return decideCharge(command, state, timeZone);
      case 'Refund':
        return decideRefund(command, state);
      case 'PayBill':
        return decidePayBill(command, state);
      case 'CloseAccount':
        return decideClose(command, state);
      default:
        return decideLifecycle(command, state);
    }
  },
});
