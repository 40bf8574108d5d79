import { z } from 'zod';
import {
  accountLimitsSchema,
  deviceKinds,
  holderTypes,
  merchantCategories,
  payeeSchema,
  payoutChannelSchema,
  topUpChannelSchema,
} from './events.ts';
import { cardNoSchema, entityIdSchema, isoInstantSchema, txIdSchema } from './ids.ts';
import { amountSchema, limitSchema } from './money.ts';

// Commands as ledger-core receives them, after an edge (HTTP, MQTT, CLI) has authenticated the caller.
// Time always comes in the command (`occurredAt`): the deciders never read a clock.

const command = <Type extends string, Shape extends z.ZodRawShape>(type: Type, shape: Shape) =>
  z.strictObject({ type: z.literal(type), occurredAt: isoInstantSchema, ...shape });

export const defaultAccountLimits = { perTransaction: '500.00', daily: '1000.00' } as const;
export const defaultOfflineLimit = '50.00';

export const accountCommandSchemas = {
  OpenAccount: command('OpenAccount', {
    accountId: entityIdSchema,
    holderName: z.string().trim().min(1).max(200),
    holderType: z.enum(holderTypes),
    cardNo: cardNoSchema,
    limits: accountLimitsSchema.default(defaultAccountLimits),
    offlineLimit: limitSchema.default(defaultOfflineLimit),
  }),
  TopUp: command('TopUp', {
    accountId: entityIdSchema,
    txId: txIdSchema,
    amount: amountSchema,
    channel: topUpChannelSchema,
    externalRef: z.string().min(1).max(128).optional(),
  }),
  Charge: command('Charge', {
    accountId: entityIdSchema,
    txId: txIdSchema,
    amount: amountSchema,
    merchantId: entityIdSchema,
    deviceId: entityIdSchema.optional(),
    offline: z.boolean().default(false),
    // The card presented at a terminal; absent when the charge comes by account id.
    cardNo: cardNoSchema.optional(),
  }),
  Refund: command('Refund', {
    accountId: entityIdSchema,
    txId: txIdSchema,
    chargeTxId: txIdSchema,
    amount: amountSchema,
    reason: z.string().max(500).optional(),
  }),
  PayBill: command('PayBill', {
    accountId: entityIdSchema,
    txId: txIdSchema,
    amount: amountSchema,
    payee: payeeSchema,
    billRef: z.string().min(1).max(128),
    cardNo: cardNoSchema.optional(),
  }),
  CloseAccount: command('CloseAccount', {
    accountId: entityIdSchema,
    txId: txIdSchema,
    payoutChannel: payoutChannelSchema,
  }),
  FreezeAccount: command('FreezeAccount', {
    accountId: entityIdSchema,
    reason: z.string().max(500).default(''),
  }),
  UnfreezeAccount: command('UnfreezeAccount', { accountId: entityIdSchema }),
  ReportCardLost: command('ReportCardLost', { accountId: entityIdSchema }),
  ReplaceCard: command('ReplaceCard', { accountId: entityIdSchema, newCardNo: cardNoSchema }),
  ChangeLimits: command('ChangeLimits', {
    accountId: entityIdSchema,
    perTransaction: limitSchema,
    daily: limitSchema,
    offlineLimit: limitSchema,
  }),
} as const;

export const merchantCommandSchemas = {
  RegisterMerchant: command('RegisterMerchant', {
    merchantId: entityIdSchema,
    name: z.string().trim().min(1).max(200),
    category: z.enum(merchantCategories),
  }),
  SettleMerchant: command('SettleMerchant', {
    merchantId: entityIdSchema,
    settlementId: z.string().min(1).max(128),
    businessDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    amount: z.string().regex(/^-?(0|[1-9][0-9]*)\.[0-9]{2}$/),
  }),
} as const;

export const deviceCommandSchemas = {
  RegisterDevice: command('RegisterDevice', {
    deviceId: entityIdSchema,
    merchantId: entityIdSchema,
    kind: z.enum(deviceKinds),
    keyId: z.string().min(1).max(64),
  }),
  DecommissionDevice: command('DecommissionDevice', { deviceId: entityIdSchema }),
} as const;

const a = accountCommandSchemas;
const m = merchantCommandSchemas;
const d = deviceCommandSchemas;
export const accountCommandSchema = z.discriminatedUnion('type', [
  a.OpenAccount,
  a.TopUp,
  a.Charge,
  a.Refund,
  a.PayBill,
  a.CloseAccount,
  a.FreezeAccount,
  a.UnfreezeAccount,
  a.ReportCardLost,
  a.ReplaceCard,
  a.ChangeLimits,
]);
export const merchantCommandSchema = z.discriminatedUnion('type', [m.RegisterMerchant, m.SettleMerchant]);
export const deviceCommandSchema = z.discriminatedUnion('type', [d.RegisterDevice, d.DecommissionDevice]);
export const ledgerCommandSchema = z.discriminatedUnion('type', [
  ...accountCommandSchema.options,
  ...merchantCommandSchema.options,
  ...deviceCommandSchema.options,
]);

export type AccountCommand = z.output<typeof accountCommandSchema>;
export type MerchantCommand = z.output<typeof merchantCommandSchema>;
export type DeviceCommand = z.output<typeof deviceCommandSchema>;
export type LedgerCommand = z.output<typeof ledgerCommandSchema>;
/** A command as a caller writes it, before defaults and amount normalisation. */
export type LedgerCommandInput = z.input<typeof ledgerCommandSchema>;
export type CommandOfType<Type extends LedgerCommand['type']> = Extract<LedgerCommand, { type: Type }>;

export const moneyCommandTypes = ['TopUp', 'Charge', 'Refund', 'PayBill', 'CloseAccount'] as const;
export type MoneyCommand = Extract<LedgerCommand, { type: (typeof moneyCommandTypes)[number] }>;
export const isMoneyCommand = (command: LedgerCommand): command is MoneyCommand =>
  (moneyCommandTypes as readonly string[]).includes(command.type);

/** The stream a command is decided on. */
export const streamOfCommand = (command: LedgerCommand): string => {
  if ('accountId' in command) return `account-${command.accountId}`;
  if ('merchantId' in command && command.type !== 'RegisterDevice') return `merchant-${command.merchantId}`;
  return `device-${(command as DeviceCommand).deviceId}`;
};
