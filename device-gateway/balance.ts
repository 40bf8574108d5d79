import type { AccountState, CommandHandler } from '../ledger-core/index.ts';
import { formatMoney } from '../ledger-core/index.ts';
import type { DirectoryCard } from './directory-state.ts';
import type { DeviceRequest, DeviceResponse } from './request-schema.ts';
import { rejectedResponse } from './request-schema.ts';

// A balance request reads the account through the command handler's cache (brought up to date from the
// store) and moves no money. A lost or replaced card is refused, as it would be for a charge: whoever
// holds a lost card has no business reading the account.

export const answerBalance = async (
  handler: Pick<CommandHandler, 'load'>,
  request: Extract<DeviceRequest, { type: 'balance' }>,
  card: DirectoryCard,
  txId: string,
): Promise<DeviceResponse> => {
  const { state, lastPosition } = await handler.load(`account-${card.accountId}`);
  const account = state as AccountState;
  if (account.status === 'absent') return rejectedResponse(request.seq, 'account_not_found', txId);
  if (account.cardLost || account.cardNo !== request.cardNo)
    return rejectedResponse(request.seq, 'card_lost', txId);
  return {
    seq: request.seq,
    status: 'accepted',
    txId,
    balance: formatMoney(account.balance),
    position: lastPosition.toString(),
  };
};
