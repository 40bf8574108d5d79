import { businessDayOf } from '../business-day.ts';
import type { CommandOfType } from '../commands.ts';
import type { Dated } from '../decider.ts';
import type { AccountEvent } from '../events.ts';
import { formatMoney, money } from '../money.ts';
import { LedgerRejection } from '../rejection.ts';
import { fingerprintOfCommand } from './move-fingerprint.ts';
import { findMove } from './recorded-moves.ts';
import type { AccountState } from './state.ts';

type MoneyCommand = CommandOfType<'TopUp' | 'Charge' | 'Refund' | 'PayBill' | 'CloseAccount'>;

/**
 * The same txId seen before on this account: identical content is a duplicate (no new events, the
 * caller answers with the recorded outcome); different content is refused (I5). A txId older than the
 * moves at hand is not seen here: the event store refuses its second use, and the command handler then
 * recalls the original move and decides again.
 */
const isDuplicate = (command: MoneyCommand, state: AccountState): boolean => {
  const recorded = findMove(state, command.txId);
  if (!recorded) return false;
  if (recorded.fingerprint !== fingerprintOfCommand(command)) {
    throw new LedgerRejection(
      'idempotency_conflict',
      `txId ${command.txId} was already used with other content`,
    );
  }
  return true;
};

const requireOpen = (state: AccountState): void => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (state.status === 'closed') throw new LedgerRejection('account_closed');
};

/** I6: the card presented (if any) must be the account's current card, and that card not lost. */
const requireUsableCard = (state: AccountState, presentedCardNo: string | undefined): void => {
  if (state.cardLost || (presentedCardNo !== undefined && presentedCardNo !== state.cardNo)) {
    throw new LedgerRejection('card_lost');
  }
};

const requireFunds = (state: AccountState, amount: string): void => {
  if (state.balance.lessThan(money(amount))) {
    throw new LedgerRejection(
      'insufficient_funds',
      `balance ${formatMoney(state.balance)} is below ${amount}`,
    );
  }
};

const dated = (event: AccountEvent, occurredAt: string): Dated<AccountEvent> => ({ ...event, occurredAt });

export const decideTopUp = (command: CommandOfType<'TopUp'>, state: AccountState): Dated<AccountEvent>[] => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (isDuplicate(command, state)) return [];
  if (state.status === 'closed') throw new LedgerRejection('account_closed');
  const data = { txId: command.txId, amount: command.amount, channel: command.channel };
  return [
    dated(
      { type: 'ToppedUp', data: command.externalRef ? { ...data, externalRef: command.externalRef } : data },
      command.occurredAt,
    ),
  ];
};

const decideOfflineCharge = (command: CommandOfType<'Charge'>, state: AccountState): void => {
  // The terminal already handed over the goods: frozen or lost status does not undo that, but the
  // terminal may only have accepted up to the offline limit (I2).
  if (state.offlineLimit.lessThan(money(command.amount))) {
    throw new LedgerRejection(
      'offline_limit_exceeded',
      `offline charge ${command.amount} is above the offline limit ${formatMoney(state.offlineLimit)}`,
    );
  }
};

const decideOnlineCharge = (
  command: CommandOfType<'Charge'>,
  state: AccountState,
  timeZone: string,
): void => {
  if (state.frozen) throw new LedgerRejection('account_frozen');
  requireUsableCard(state, command.cardNo);
  if (state.limits.perTransaction.lessThan(money(command.amount))) {
    throw new LedgerRejection(
      'limit_exceeded_per_transaction',
      `charge ${command.amount} is above the per-transaction limit ${formatMoney(state.limits.perTransaction)}`,
    );
  }
  const day = businessDayOf(command.occurredAt, timeZone);
  const spentToday = state.daily.day === day ? state.daily.spent : money('0');
  if (state.limits.daily.lessThan(spentToday.plus(money(command.amount)))) {
    throw new LedgerRejection(
      'limit_exceeded_daily',
      `charges today would reach ${formatMoney(spentToday.plus(command.amount))}, above the daily limit ${formatMoney(state.limits.daily)}`,
    );
  }
  requireFunds(state, command.amount);
};

export const decideCharge = (
  command: CommandOfType<'Charge'>,
  state: AccountState,
  timeZone: string,
): Dated<AccountEvent>[] => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (isDuplicate(command, state)) return [];
  requireOpen(state);
  if (command.offline) decideOfflineCharge(command, state);
  else decideOnlineCharge(command, state, timeZone);
  const data = {
    txId: command.txId,
    amount: command.amount,
    merchantId: command.merchantId,
    offline: command.offline,
  };
  return [
    dated(
      { type: 'Charged', data: command.deviceId ? { ...data, deviceId: command.deviceId } : data },
      command.occurredAt,
    ),
  ];
};

export const decideRefund = (
  command: CommandOfType<'Refund'>,
  state: AccountState,
): Dated<AccountEvent>[] => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (isDuplicate(command, state)) return [];
  requireOpen(state);
  // A charge older than the moves at hand must have been recalled by the caller (see recall-move.ts).
  const charge = findMove(state, command.chargeTxId)?.charge;
  if (!charge)
    throw new LedgerRejection('charge_not_found', `no charge ${command.chargeTxId} on this account`);
  const refundable = charge.amount.minus(charge.refunded);
  if (refundable.lessThan(money(command.amount))) {
    throw new LedgerRejection(
      'refund_exceeds_charge',
      `only ${formatMoney(refundable)} of charge ${command.chargeTxId} is left to refund`,
    );
  }
  const data = { txId: command.txId, chargeTxId: command.chargeTxId, amount: command.amount };
  return [
    dated(
      { type: 'Refunded', data: command.reason ? { ...data, reason: command.reason } : data },
      command.occurredAt,
    ),
  ];
};

export const decidePayBill = (
  command: CommandOfType<'PayBill'>,
  state: AccountState,
): Dated<AccountEvent>[] => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (isDuplicate(command, state)) return [];
  requireOpen(state);
  if (state.frozen) throw new LedgerRejection('account_frozen');
  requireUsableCard(state, command.cardNo);
  requireFunds(state, command.amount);
  return [
    dated(
      {
        type: 'BillPaid',
        data: { txId: command.txId, amount: command.amount, payee: command.payee, billRef: command.billRef },
      },
      command.occurredAt,
    ),
  ];
};

export const decideClose = (
  command: CommandOfType<'CloseAccount'>,
  state: AccountState,
): Dated<AccountEvent>[] => {
  if (state.status === 'absent') throw new LedgerRejection('account_not_found');
  if (isDuplicate(command, state)) return [];
  requireOpen(state);
  if (state.balance.isNegative()) {
    throw new LedgerRejection(
      'insufficient_funds',
      `the account owes ${formatMoney(state.balance.negated())}; settle the debt before closing`,
    );
  }
  return [
    dated(
      {
        type: 'AccountClosed',
        data: {
          txId: command.txId,
          payoutAmount: formatMoney(state.balance),
          payoutChannel: command.payoutChannel,
        },
      },
      command.occurredAt,
    ),
  ];
};
