import type { z } from 'zod';
import {
  type AccountState,
  type CommandOutcome,
  formatMoney,
  positionToString,
} from '../ledger-core/index.ts';
import type { accountResponseSchema } from './schemas.ts';

/** The account as a lifecycle command left it, from the handler's own state (no read model lag). */
export const accountViewOf = (outcome: CommandOutcome): z.input<typeof accountResponseSchema> => {
  const state = outcome.state as AccountState;
  return {
    accountId: state.accountId,
    holderName: state.holderName,
    holderType: state.holderType,
    status: state.status === 'closed' ? 'closed' : state.frozen ? 'frozen' : 'open',
    cardStatus: state.cardLost ? 'lost' : 'active',
    cardNo: state.cardNo,
    balance: formatMoney(state.balance),
    limits: {
      perTransaction: formatMoney(state.limits.perTransaction),
      daily: formatMoney(state.limits.daily),
      offlineLimit: formatMoney(state.offlineLimit),
    },
    position: positionToString(outcome.position),
    revision: state.revision,
  };
};
