import type { CommandOfType } from '../commands.ts';
import type { AccountEvent } from '../events.ts';

// Two deliveries of one txId are "the same" when they would move the same money the same way. The
// fingerprint is that content, computed alike from a command and from the event it produced.

type MoneyMoveCommand = CommandOfType<'TopUp' | 'Charge' | 'Refund' | 'PayBill' | 'CloseAccount'>;
type MoneyMoveEvent = Extract<
  AccountEvent,
  { type: 'ToppedUp' | 'Charged' | 'Refunded' | 'BillPaid' | 'AccountClosed' }
>;

const join = (...parts: Array<string | boolean | undefined>): string =>
  parts.map((part) => (part === undefined ? '' : String(part))).join('|');

export const fingerprintOfCommand = (command: MoneyMoveCommand): string => {
  switch (command.type) {
    case 'TopUp':
      return join('top-up', command.amount, command.channel, command.externalRef);
    case 'Charge':
      return join('charge', command.amount, command.merchantId, command.deviceId, command.offline);
    case 'Refund':
      return join('refund', command.amount, command.chargeTxId);
    case 'PayBill':
      return join('bill', command.amount, command.payee, command.billRef);
    case 'CloseAccount':
      return join('close', command.payoutChannel);
  }
};

export const fingerprintOfEvent = (event: MoneyMoveEvent): string => {
  switch (event.type) {
    case 'ToppedUp':
      return join('top-up', event.data.amount, event.data.channel, event.data.externalRef);
    case 'Charged':
      return join(
        'charge',
        event.data.amount,
        event.data.merchantId,
        event.data.deviceId,
        event.data.offline,
      );
    case 'Refunded':
      return join('refund', event.data.amount, event.data.chargeTxId);
    case 'BillPaid':
      return join('bill', event.data.amount, event.data.payee, event.data.billRef);
    case 'AccountClosed':
      return join('close', event.data.payoutChannel);
  }
};
