import { z } from 'zod';
import { cardNoSchema, entityIdSchema, txIdSchema } from './ids.ts';
import { amountSchema, limitSchema, signedMoneySchema } from './money.ts';

// The v1 event catalogue of DESIGN.md. Amounts in events are always canonical two-place strings.

export const topUpChannels = ['cash', 'wechat', 'alipay', 'bank', 'subsidy'] as const;
export const payees = ['water', 'electricity', 'dorm', 'network', 'parking'] as const;
export const holderTypes = ['student', 'staff', 'visitor'] as const;
export const merchantCategories = ['canteen', 'shop', 'utility', 'other'] as const;
export const deviceKinds = ['pos', 'kiosk'] as const;
export const payoutChannels = ['cash', 'bank'] as const;

export const topUpChannelSchema = z.enum(topUpChannels);
export const payeeSchema = z.enum(payees);
export const payoutChannelSchema = z.enum(payoutChannels);

export const accountLimitsSchema = z.strictObject({ perTransaction: limitSchema, daily: limitSchema });

const event = <Type extends string, Data extends z.ZodRawShape>(type: Type, data: Data) =>
  z.strictObject({ type: z.literal(type), data: z.strictObject(data) });

export const accountEventSchemas = {
  AccountOpened: event('AccountOpened', {
    accountId: entityIdSchema,
    holderName: z.string().min(1).max(200),
    holderType: z.enum(holderTypes),
    cardNo: cardNoSchema,
    limits: accountLimitsSchema,
    offlineLimit: limitSchema,
  }),
  CardReportedLost: event('CardReportedLost', { cardNo: cardNoSchema }),
  CardReplaced: event('CardReplaced', { oldCardNo: cardNoSchema, newCardNo: cardNoSchema }),
  AccountFrozen: event('AccountFrozen', { reason: z.string().max(500) }),
  AccountUnfrozen: event('AccountUnfrozen', {}),
  LimitsChanged: event('LimitsChanged', {
    perTransaction: limitSchema,
    daily: limitSchema,
    offlineLimit: limitSchema,
  }),
  ToppedUp: event('ToppedUp', {
    txId: txIdSchema,
    amount: amountSchema,
    channel: topUpChannelSchema,
    externalRef: z.string().min(1).max(128).optional(),
  }),
  Charged: event('Charged', {
    txId: txIdSchema,
    amount: amountSchema,
    merchantId: entityIdSchema,
    deviceId: entityIdSchema.optional(),
    offline: z.boolean(),
  }),
  Refunded: event('Refunded', {
    txId: txIdSchema,
    chargeTxId: txIdSchema,
    amount: amountSchema,
    reason: z.string().max(500).optional(),
  }),
  BillPaid: event('BillPaid', {
    txId: txIdSchema,
    amount: amountSchema,
    payee: payeeSchema,
    billRef: z.string().min(1).max(128),
  }),
  AccountClosed: event('AccountClosed', {
    txId: txIdSchema,
    // Zero when the account is closed empty, so not an `amount` (which must be > 0).
    payoutAmount: signedMoneySchema,
    payoutChannel: payoutChannelSchema,
  }),
} as const;

export const merchantEventSchemas = {
  MerchantRegistered: event('MerchantRegistered', {
    merchantId: entityIdSchema,
    name: z.string().min(1).max(200),
    category: z.enum(merchantCategories),
  }),
  MerchantSettled: event('MerchantSettled', {
    settlementId: z.string().min(1).max(128),
    businessDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    amount: signedMoneySchema,
  }),
} as const;

export const deviceEventSchemas = {
  DeviceRegistered: event('DeviceRegistered', {
    deviceId: entityIdSchema,
    merchantId: entityIdSchema,
    kind: z.enum(deviceKinds),
    keyId: z.string().min(1).max(64),
  }),
  DeviceDecommissioned: event('DeviceDecommissioned', {}),
} as const;

const a = accountEventSchemas;
export const accountEventSchema = z.discriminatedUnion('type', [
  a.AccountOpened,
  a.CardReportedLost,
  a.CardReplaced,
  a.AccountFrozen,
  a.AccountUnfrozen,
  a.LimitsChanged,
  a.ToppedUp,
  a.Charged,
  a.Refunded,
  a.BillPaid,
  a.AccountClosed,
]);
export const merchantEventSchema = z.discriminatedUnion('type', [
  merchantEventSchemas.MerchantRegistered,
  merchantEventSchemas.MerchantSettled,
]);
export const deviceEventSchema = z.discriminatedUnion('type', [
  deviceEventSchemas.DeviceRegistered,
  deviceEventSchemas.DeviceDecommissioned,
]);
export const ledgerEventSchema = z.discriminatedUnion('type', [
  ...accountEventSchema.options,
  ...merchantEventSchema.options,
  ...deviceEventSchema.options,
]);

export type AccountEvent = z.infer<typeof accountEventSchema>;
export type MerchantEvent = z.infer<typeof merchantEventSchema>;
export type DeviceEvent = z.infer<typeof deviceEventSchema>;
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;
export type LedgerEventType = LedgerEvent['type'];
export type EventOfType<Type extends LedgerEventType> = Extract<LedgerEvent, { type: Type }>;

export type TopUpChannel = (typeof topUpChannels)[number];
export type Payee = (typeof payees)[number];
export type PayoutChannel = (typeof payoutChannels)[number];

export const moneyEventTypes = ['ToppedUp', 'Charged', 'Refunded', 'BillPaid', 'AccountClosed'] as const;
export type MoneyEvent = Extract<LedgerEvent, { type: (typeof moneyEventTypes)[number] }>;
export const isMoneyEvent = (event: { type: string }): event is MoneyEvent =>
  (moneyEventTypes as readonly string[]).includes(event.type);

/** The schema version written with every event today; `upcastEvent` lifts older versions to it. */
export const currentEventSchemaVersion = 1;

/**
 * Parses a stored event body into the current catalogue. Version 1 is the only version so far; a
 * future v2 adds its translation here, keyed by type and version, so readers never see old shapes.
 */
export const upcastEvent = (type: string, data: unknown, schemaVersion: number): LedgerEvent => {
  if (schemaVersion !== currentEventSchemaVersion) {
    throw new Error(`no upcaster for ${type} schema version ${schemaVersion}`);
  }
  return ledgerEventSchema.parse({ type, data });
};
