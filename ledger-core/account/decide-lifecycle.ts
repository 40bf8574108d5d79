import type { CommandOfType } from '../commands.ts';
import type { Dated } from '../decider.ts';
import type { AccountEvent } from '../events.ts';
import { LedgerRejection } from '../rejection.ts';
import type { AccountState } from './state.ts';

// Lifecycle commands are idempotent by state: freezing a frozen account changes nothing and succeeds.

type LifecycleCommand = CommandOfType<
  'OpenAccount' | 'FreezeAccount' | 'UnfreezeAccount' | 'ReportCardLost' | 'ReplaceCard' | 'ChangeLimits'
>;

const requireOpen = (state: AccountState): void => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (state.status === 'closed') throw new LedgerRejection('account_closed');
};

export const decideLifecycle = (command: LifecycleCommand, state: AccountState): Dated<AccountEvent>[] => {
  const at = (event: AccountEvent): Dated<AccountEvent>[] => [{ ...event, occurredAt: command.occurredAt }];
  if (command.type === 'OpenAccount') {
    if (state.status !== 'absent') throw new LedgerRejection('account_exists');
    return at({
      type: 'AccountOpened',
      data: {
        accountId: command.accountId,
        holderName: command.holderName,
        holderType: command.holderType,
        cardNo: command.cardNo,
        limits: command.limits,
        offlineLimit: command.offlineLimit,
      },
    });
  }
  requireOpen(state);
  switch (command.type) {
    case 'FreezeAccount':
      return state.frozen ? [] : at({ type: 'AccountFrozen', data: { reason: command.reason } });
    case 'UnfreezeAccount':
      return state.frozen ? at({ type: 'AccountUnfrozen', data: {} }) : [];
    case 'ReportCardLost':
      return state.cardLost ? [] : at({ type: 'CardReportedLost', data: { cardNo: state.cardNo } });
    case 'ReplaceCard':
      if (command.newCardNo === state.cardNo && !state.cardLost) return [];
      if (command.newCardNo === state.cardNo) {
        throw new LedgerRejection('validation_failed', 'a lost card cannot be its own replacement');
      }
      return at({ type: 'CardReplaced', data: { oldCardNo: state.cardNo, newCardNo: command.newCardNo } });
    case 'ChangeLimits':
      return at({
        type: 'LimitsChanged',
        data: {
          perTransaction: command.perTransaction,
          daily: command.daily,
          offlineLimit: command.offlineLimit,
        },
      });
  }
};
