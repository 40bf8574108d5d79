import type { Dated } from '../decider.ts';
import { type AccountEvent, isMoneyEvent } from '../events.ts';
import { money, zeroMoney } from '../money.ts';
import { balanceEffectOf } from './balance-effect.ts';
import { fingerprintOfEvent } from './move-fingerprint.ts';
import type { AccountState, RecordedMove } from './state.ts';

/**
 * Brings a money move the state let go back into it for one decision, from the account's events from
 * that move's revision (`fromRevision`, the event carrying `txId`) up to the state's own revision: the
 * balance right after the move is the state's balance less everything the later events changed, and a
 * charge's refunded amount is the sum of the later refunds of it.
 */
export const recallMove = (
  state: AccountState,
  txId: string,
  fromRevision: number,
  events: readonly Dated<AccountEvent>[],
): AccountState => {
  const [original, ...later] = events;
  if (events.length !== state.revision - fromRevision + 1) {
    throw new Error(
      `recalling ${txId} needs revisions ${fromRevision}..${state.revision}, got ${events.length} events`,
    );
  }
  if (!original || !isMoneyEvent(original) || original.data.txId !== txId) {
    throw new Error(`the event at revision ${fromRevision} does not carry txId ${txId}`);
  }
  let laterEffect = zeroMoney;
  let refundedLater = zeroMoney;
  for (const event of later) {
    laterEffect = laterEffect.plus(balanceEffectOf(event));
    if (event.type === 'Refunded' && event.data.chargeTxId === txId) {
      refundedLater = refundedLater.plus(money(event.data.amount));
    }
  }
  const move: RecordedMove = {
    txId,
    fingerprint: fingerprintOfEvent(original),
    balanceAfter: state.balance.minus(laterEffect),
    revision: fromRevision,
    ...(original.type === 'Charged'
      ? { charge: { amount: money(original.data.amount), refunded: refundedLater } }
      : {}),
  };
  return { ...state, recalled: [...(state.recalled ?? []), move] };
};
