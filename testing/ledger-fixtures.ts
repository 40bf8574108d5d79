import type { z } from 'zod';
import {
  type AccountCommand,
  type AccountEvent,
  accountCommandSchema,
  type Dated,
  type DeviceCommand,
  type DeviceEvent,
  deviceCommandSchema,
  type MerchantCommand,
  type MerchantEvent,
  merchantCommandSchema,
} from '../ledger-core/index.ts';

// Commands and events of one student account, one merchant and one device, for tests. Commands go
// through the real schemas, so defaults and amount normalisation are the ones the ledger applies.

export const testTimeZone = 'Asia/Shanghai';
/** Noon in Shanghai on 10 March 2025. */
export const noon = '2025-03-10T04:00:00.000Z';
export const accountId = 'acc-1';
export const cardNo = '6200000000000001';
export const newCardNo = '6200000000000002';
export const merchantId = 'canteen-1';
export const deviceId = 'pos-1';

type AccountInput = z.input<typeof accountCommandSchema>;
type InputOf<Type extends AccountInput['type']> = Omit<
  Extract<AccountInput, { type: Type }>,
  'type' | 'occurredAt' | 'accountId'
> & { occurredAt?: string; accountId?: string };

const account = <Type extends AccountCommand['type']>(
  type: Type,
  input: InputOf<Type>,
): Extract<AccountCommand, { type: Type }> =>
  accountCommandSchema.parse({ type, occurredAt: noon, accountId, ...input }) as Extract<
    AccountCommand,
    { type: Type }
  >;

export const openAccount = (input: Partial<InputOf<'OpenAccount'>> = {}) =>
  account('OpenAccount', { holderName: 'Li Wei', holderType: 'student', cardNo, ...input });
export const topUp = (txId: string, amount: string, input: Partial<InputOf<'TopUp'>> = {}) =>
  account('TopUp', { txId, amount, channel: 'wechat', ...input });
export const charge = (txId: string, amount: string, input: Partial<InputOf<'Charge'>> = {}) =>
  account('Charge', { txId, amount, merchantId, ...input });
export const refund = (
  txId: string,
  chargeTxId: string,
  amount: string,
  input: Partial<InputOf<'Refund'>> = {},
) => account('Refund', { txId, chargeTxId, amount, ...input });
export const payBill = (txId: string, amount: string, input: Partial<InputOf<'PayBill'>> = {}) =>
  account('PayBill', { txId, amount, payee: 'electricity', billRef: 'dorm-7-2025-02', ...input });
export const closeAccount = (txId: string, input: Partial<InputOf<'CloseAccount'>> = {}) =>
  account('CloseAccount', { txId, payoutChannel: 'bank', ...input });
export const freeze = (reason = 'parent request') => account('FreezeAccount', { reason });
export const unfreeze = () => account('UnfreezeAccount', {});
export const reportLost = () => account('ReportCardLost', {});
export const replaceCard = (replacement = newCardNo) => account('ReplaceCard', { newCardNo: replacement });
export const changeLimits = (perTransaction: string, daily: string, offlineLimit: string) =>
  account('ChangeLimits', { perTransaction, daily, offlineLimit });

/** Omit over each member of a union, so discriminated inputs keep their own fields. */
type OmitTime<Input> = Input extends unknown ? Omit<Input, 'occurredAt'> & { occurredAt?: string } : never;

export const merchantCommand = (input: OmitTime<z.input<typeof merchantCommandSchema>>) =>
  merchantCommandSchema.parse({ occurredAt: noon, ...input }) as MerchantCommand;
export const deviceCommand = (input: OmitTime<z.input<typeof deviceCommandSchema>>) =>
  deviceCommandSchema.parse({ occurredAt: noon, ...input }) as DeviceCommand;

const dated = <Event>(event: Event, occurredAt = noon): Dated<Event> => ({ ...event, occurredAt });

export const accountOpened = (
  data: Partial<Extract<AccountEvent, { type: 'AccountOpened' }>['data']> = {},
  at = noon,
): Dated<AccountEvent> =>
  dated(
    {
      type: 'AccountOpened',
      data: {
        accountId,
        holderName: 'Li Wei',
        holderType: 'student',
        cardNo,
        limits: { perTransaction: '500.00', daily: '1000.00' },
        offlineLimit: '50.00',
        ...data,
      },
    },
    at,
  );
export const toppedUp = (txId: string, amount: string, at = noon): Dated<AccountEvent> =>
  dated({ type: 'ToppedUp', data: { txId, amount, channel: 'wechat' } }, at);
export const charged = (
  txId: string,
  amount: string,
  options: { offline?: boolean; deviceId?: string; at?: string } = {},
): Dated<AccountEvent> =>
  dated(
    {
      type: 'Charged',
      data: {
        txId,
        amount,
        merchantId,
        offline: options.offline ?? false,
        ...(options.deviceId ? { deviceId: options.deviceId } : {}),
      },
    },
    options.at,
  );
export const refunded = (txId: string, chargeTxId: string, amount: string, at = noon): Dated<AccountEvent> =>
  dated({ type: 'Refunded', data: { txId, chargeTxId, amount } }, at);
export const billPaid = (txId: string, amount: string, at = noon): Dated<AccountEvent> =>
  dated({ type: 'BillPaid', data: { txId, amount, payee: 'electricity', billRef: 'dorm-7-2025-02' } }, at);
export const accountFrozen = (reason = 'parent request'): Dated<AccountEvent> =>
  dated({ type: 'AccountFrozen', data: { reason } });
export const accountUnfrozen = (): Dated<AccountEvent> => dated({ type: 'AccountUnfrozen', data: {} });
export const cardReportedLost = (lost = cardNo): Dated<AccountEvent> =>
  dated({ type: 'CardReportedLost', data: { cardNo: lost } });
export const cardReplaced = (oldCardNo = cardNo, replacement = newCardNo): Dated<AccountEvent> =>
  dated({ type: 'CardReplaced', data: { oldCardNo, newCardNo: replacement } });
export const limitsChanged = (
  perTransaction: string,
  daily: string,
  offlineLimit: string,
): Dated<AccountEvent> => dated({ type: 'LimitsChanged', data: { perTransaction, daily, offlineLimit } });
export const accountClosed = (txId: string, payoutAmount: string): Dated<AccountEvent> =>
  dated({ type: 'AccountClosed', data: { txId, payoutAmount, payoutChannel: 'bank' } });

export const merchantRegistered = (): Dated<MerchantEvent> =>
  dated({ type: 'MerchantRegistered', data: { merchantId, name: 'North Canteen', category: 'canteen' } });
export const merchantSettled = (businessDate: string, amount: string): Dated<MerchantEvent> =>
  dated({ type: 'MerchantSettled', data: { settlementId: `set-${businessDate}`, businessDate, amount } });
export const deviceRegistered = (keyId = 'k1'): Dated<DeviceEvent> =>
  dated({ type: 'DeviceRegistered', data: { deviceId, merchantId, kind: 'pos', keyId } });
export const deviceDecommissioned = (): Dated<DeviceEvent> =>
  dated({ type: 'DeviceDecommissioned', data: {} });
